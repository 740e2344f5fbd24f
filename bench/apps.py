from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The benchmarks' home: the scale-data generator (`manage.py generate_scale_data`) and its
    bulk writer. It sits above every app (it fills them all) and below the project; no app
    imports it. The benchmark scripts beside it (run.py, throughput.py) run outside Django."""

    name = "bench"
    verbose_name = "Benchmarks"
