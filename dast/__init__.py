"""dast: a DAST orchestration worker for CI/CD pipelines, steering OWASP ZAP."""

__version__ = "0.1.0"
