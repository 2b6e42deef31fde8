"""The API's blueprints, shared request handling (``http``) and its composition root (``container``)."""
