/** A copy of a native event, to dispatch on the look-alike (an event is dispatched once). */
export const copyOf = (event: Event): Event =>
  event instanceof ProgressEvent
    ? new ProgressEvent(event.type, { lengthComputable: event.lengthComputable, loaded: event.loaded, total: event.total })
    : new Event(event.type)
