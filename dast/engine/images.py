"""The ZAP image the docker provider runs unless told otherwise.

Apart from engine/docker.py so the CLI can show it as a default without importing the Docker SDK.
"""

DEFAULT_IMAGE = "zaproxy/zap-stable"
