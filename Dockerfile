# Plan Desk as a container: the server on port 3847, the workspace in the /data volume.
#   docker build -t plandesk .
#   docker run -d -p 3847:3847 -v plandesk-data:/data -e PLANDESK_BASE_URL=https://plans.example.com plandesk
# See docs/operations.md ("A container image").
FROM python:3.11-slim

# Build from the project's own files only; nothing else is fetched but the Python packages it names.
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --no-cache-dir --disable-pip-version-check . \
    && useradd --system --create-home --uid 10001 plandesk \
    && mkdir -p /data && chown plandesk /data

USER plandesk
ENV PLANDESK_DATA_DIR=/data \
    PYTHONUNBUFFERED=1
VOLUME ["/data"]
EXPOSE 3847

# Inside a container the server must listen beyond loopback (Docker forwards the published port to it);
# --allow-remote makes that explicit and turns sign-in on. PLANDESK_BASE_URL (the published origin) adds its
# host to the accepted Host names and makes share and invitation links point there.
HEALTHCHECK --interval=30s --timeout=5s CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:3847/api/v1/health', timeout=4)"]
CMD ["plandesk", "serve", "--host", "0.0.0.0", "--port", "3847", "--allow-remote"]
