FROM node:20-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY static ./static
RUN npm run build:css

FROM python:3.11-slim
WORKDIR /app
ENV PYTHONUNBUFFERED=1
COPY pyproject.toml ./
RUN pip install --no-cache-dir .
COPY . .
COPY --from=assets /app/node_modules ./node_modules
COPY --from=assets /app/static/build ./static/build
# The Welsh catalogue's .mo, compiled in Python (docs/translating.md).
RUN python manage.py compile_catalogue
RUN useradd --create-home tracker && chown -R tracker /app
USER tracker
EXPOSE 8000
