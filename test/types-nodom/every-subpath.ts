// Every subpath from an ES module (resolves dist/esm through `exports`).
import * as m0 from 'tokenflight'
import * as m1 from 'tokenflight/axios'
import * as m2 from 'tokenflight/fetch'
import * as m3 from 'tokenflight/xhr'
import * as m4 from 'tokenflight/strategies'
import * as m5 from 'tokenflight/redis'
import * as m6 from 'tokenflight/testing'
import * as m7 from 'tokenflight/compat/axios-auth-refresh'

export const modules = [m0, m1, m2, m3, m4, m5, m6, m7]
