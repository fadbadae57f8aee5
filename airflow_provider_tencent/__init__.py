"""Apache Airflow provider for Tencent Cloud."""

__version__ = "0.1.0"


def _declare_cos_paths() -> None:
    """Declare the ``cos://`` path flavour now, when universal-pathlib fixes flavours on first use.

    universal-pathlib 0.2 (Airflow 3.1) fixes a scheme's path flavour on its first path: a ``cos://``
    path made before the declaration (:mod:`airflow_provider_tencent.fs.cos_path`) would split its
    parts wrongly for the life of the process. Any import of the provider runs this, so a DAG that
    imports an operator gets correct paths. Later releases read the declaration when they need it.
    """
    import upath  # a dependency of Airflow; cheap, unlike a metadata lookup

    version = getattr(upath, "__version__", None)
    if version is None or version.startswith("0.2."):
        import airflow_provider_tencent.fs.cos_path  # noqa: F401


_declare_cos_paths()
