"""The bottom layer: infrastructure every app may use and that knows no app.

`taskqueue` (how background work is sent), `periodic` (the periodic jobs read from
settings.PERIODIC_JOBS), `prepared` (querysets of a fixed shape compiled to SQL once per
process) and `asyncbridge` (a coroutine run from synchronous code on one event loop per
process, or on the server's). Not a Django app: no models, no pages. See "Layers" in
docs/ARCHITECTURE.md.
"""
