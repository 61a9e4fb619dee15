FROM python:3.11-slim

WORKDIR /opt/drift-action
COPY pyproject.toml README.md ./
COPY drift_action ./drift_action
RUN pip install --no-cache-dir . \
    && rm -rf /root/.cache

# The runner mounts the workspace and makes it the working directory; inputs arrive as INPUT_*.
ENTRYPOINT ["python", "-m", "drift_action.action"]
