# mailgate: the REST/HTTP email gateway.
# Pinned to an exact release (tests/test_deployment.py refuses a floating tag); bump on purpose.
FROM python:3.11.14-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    GATEWAY_HOST=0.0.0.0 GATEWAY_PORT=8025 \
    GATEWAY_DATABASE_URL=sqlite+aiosqlite:////data/mailgate.db

WORKDIR /app
COPY pyproject.toml README.md requirements.lock ./
COPY gateway ./gateway
# The tested set of dependencies (requirements.lock, `make lock`).
RUN pip install -c requirements.lock . && useradd --system --uid 10001 --home-dir /data --create-home mailgate

USER mailgate
VOLUME ["/data"]
EXPOSE 8025
# On the port the gateway listens on (GATEWAY_PORT, also when `docker run -e` changes it).
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD python -c "import os,sys,urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('GATEWAY_PORT', '8025'), timeout=2).status != 200)"
CMD ["mailgate", "serve"]
