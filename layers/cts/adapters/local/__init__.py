"""The local stack: moto in server mode, the same handlers fed like Lambda, the API and web app.

Not shipped to Lambda (the layer excludes this package)."""
