"""The ceiling for benchmarks/load.py: a bare Flask hello-world under the same gunicorn."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    """Say hello."""
    return "Hello, world!"
