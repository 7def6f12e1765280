// Every subpath from a CommonJS module (resolves dist/cjs through `exports`).
import m0 = require('tokenflight')
import m1 = require('tokenflight/axios')
import m2 = require('tokenflight/fetch')
import m3 = require('tokenflight/xhr')
import m4 = require('tokenflight/strategies')
import m5 = require('tokenflight/redis')
import m6 = require('tokenflight/testing')
import m7 = require('tokenflight/compat/axios-auth-refresh')

export const modules = [m0, m1, m2, m3, m4, m5, m6, m7]
