"""The bottom layer: infrastructure every app may use and that knows no app.

`taskqueue` (how background work is sent) and `periodic` (the periodic jobs read from
settings.PERIODIC_JOBS). Not a Django app: no models, no pages. See "Layers" in
docs/ARCHITECTURE.md.
"""
