from django.apps import AppConfig


class DevdataConfig(AppConfig):
    """Demo data for `make run` and the national-scale seeder for `make bench`: kept out
    of the domain app, and built only through its services and models."""

    name = "devdata"
    verbose_name = "Demo and benchmark data"
