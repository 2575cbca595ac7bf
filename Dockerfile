# Lodestar application image: the web server (gunicorn), the Celery worker and Celery beat all run
# from this one image; docker-compose.yml picks the command. Build: docker build -t lodestar .
FROM python:3.11-slim

# PYTHONPATH: the source tree in /app wins over the copy that `pip install .` puts in site-packages,
# so BASE_DIR (templates/, static/, var/) is always /app, whichever of gunicorn/celery/manage.py runs.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    MLFLOW_DISABLE_TELEMETRY=true \
    DO_NOT_TRACK=true

RUN groupadd --system --gid 10001 lodestar \
 && useradd --system --uid 10001 --gid lodestar --create-home --home-dir /home/lodestar --shell /usr/sbin/nologin lodestar

WORKDIR /app

# Dependencies in their own layer: a code change does not reinstall them.
COPY pyproject.toml README.md ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
 && pip install -r /tmp/requirements.txt \
 && rm /tmp/requirements.txt

COPY . .
RUN pip install . \
 && rm -rf build ./*.egg-info \
 && chmod 0755 docker/entrypoint.sh \
 && mkdir -p var static/vendor \
 && chown -R lodestar:lodestar var static/vendor

# The code stays owned by root (read-only to the app); only var/, static/vendor/ and the home folder
# (gunicorn's control socket goes in ~/.gunicorn) are the app's.
USER 10001:10001

# plotly.js from the installed plotly package, then the hashed and compressed static files that
# whitenoise serves. Production settings insist on a SECRET_KEY: a throwaway one for this line only.
RUN SECRET_KEY=build-only-not-a-secret python manage.py vendor_assets \
 && SECRET_KEY=build-only-not-a-secret python manage.py collectstatic --noinput

EXPOSE 8000
ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2", "--timeout", "60"]
