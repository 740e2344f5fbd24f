# The LTC CRM image: one image for the web server (gunicorn), the Celery worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY ltc ltc
COPY accounts accounts
COPY leads leads
COPY opportunities opportunities
COPY contracts contracts
COPY receivables receivables
RUN pip install .[s3]

COPY . .
RUN SECRET_KEY=build-only python manage.py collectstatic --noinput \
    && useradd --system --uid 1000 ltc && mkdir -p /data/beat /data/media && chown -R ltc /data
USER ltc

EXPOSE 8000
CMD ["gunicorn", "ltc.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", \
     "--access-logfile", "-"]
