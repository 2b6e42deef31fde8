"""Ports: the small interfaces (Protocols) the services need from the outside world.

Adapters in :mod:`cts.adapters` implement them on AWS (S3, DynamoDB, SQS, SES, Step Functions,
Cognito, OpenSearch) and locally (embedded search); unit tests use in-memory fakes.
"""
