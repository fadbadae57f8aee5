"""OpenLineage for the provider's operators, through Airflow's OpenLineage provider conventions.

Every operator gets :class:`OpenLineageMixin` from its base class: the OpenLineage provider's
default extractor calls its ``get_openlineage_facets_on_complete(task_instance)`` (and
``..._on_failure``) after the task ran, and it answers with an ``OperatorLineage``:

* **inputs**: the pictures read. ``cos://bucket/key`` -> namespace ``cos://bucket``, name ``key``;
  ``s3://`` likewise; ``file:///path`` -> namespace ``file``, name ``/path``; an ``http(s)`` URL ->
  namespace ``https://host``, name its path (the query string - a presigned signature - is never kept).
  A batch that listed a ``source_prefix`` has that prefix as its one input; a batch of ``items`` has
  each distinct picture, or, past :data:`MAX_DATASETS`, their common folders.
  An operator adds what else its arguments name as read with :meth:`OpenLineageMixin.lineage_inputs`
  (e.g. the AIGC subjects and files a generation task uses, the task a sensor waits for).
* **outputs**: the Image Search gallery (namespace ``tencentcloud-tiia://<region>``, name the
  ``GroupId``), or the VOD AIGC subjects created (namespace ``tencentcloud-vod://<region>``, name the
  ``ElementId``; at most :data:`MAX_DATASETS`, the run facet gives the total), and whatever
  ``execute`` recorded as written (a generation task, files copied, a result file). An operator that
  only reads the gallery (a search) sets :attr:`OpenLineageMixin.lineage_gallery` to ``"input"``: the
  gallery is then an input.
* **run facet** ``tencentcloud``: the API action (:attr:`OpenLineageMixin.lineage_action`, declared by
  each operator), region, the ``RequestId`` of every answer (at most :data:`MAX_REQUEST_IDS`, with the
  total) and, for a batch, the item counts.

Importing this module imports nothing from OpenLineage: the methods import it when called and return
``None`` when the OpenLineage provider is not installed.
"""

from __future__ import annotations

import json
import os
import posixpath
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, ClassVar
from urllib.parse import urlsplit

MAX_DATASETS = 100  # datasets per side (inputs, outputs) of one task's lineage
MAX_REQUEST_IDS = 1000  # RequestIds kept in the run facet
RUN_FACET_KEY = "tencentcloud"
# OpenLineage wants each custom facet to name its JSON schema; to be served with the docs once they are hosted
RUN_FACET_SCHEMA_URL = "https://github.com/airflow-provider-tencent/schemas/TencentCloudRunFacet.json"
IMAGE_SEARCH_NAMESPACE = "tencentcloud-tiia://{region}"
VOD_NAMESPACE = "tencentcloud-vod://{region}"
# the operator arguments (and batch item keys) that name a picture read
IMAGE_ARGUMENTS = ("image_path", "image_url", "element_frontal_image", "element_refer_list")
_STORAGE_SCHEMES = {"cos": "cos", "s3": "s3", "s3a": "s3", "s3n": "s3"}


# -- dataset naming (plain tuples: no OpenLineage import needed) ----------------------------------
def dataset_name(ref: Any, *, local_path: bool = False) -> tuple[str, str] | None:
    """``(namespace, name)`` of a picture reference, or ``None`` when it names no dataset.

    ``ref`` is a URI string or an ``ObjectStoragePath``; empty values and unknown schemes name
    nothing, and a string without a scheme only with ``local_path`` (``image_path`` reads it as a
    local file; elsewhere it is not a path). User info (``conn_id@``) and query strings are dropped.
    """
    text = f"{ref}".strip() if ref is not None else ""
    if "://" not in text:
        return ("file", os.path.abspath(os.path.expanduser(text))) if local_path and text else None
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    host = parts.hostname or ""
    if scheme in _STORAGE_SCHEMES and host:
        return f"{_STORAGE_SCHEMES[scheme]}://{host}", parts.path.lstrip("/") or "/"
    if scheme == "file":
        return "file", parts.path or "/"
    if scheme in ("http", "https") and host:
        netloc = host if parts.port is None else f"{host}:{parts.port}"
        return f"{scheme}://{netloc}", parts.path or "/"
    return None


def prefix_name(prefix: Any) -> tuple[str, str] | None:
    """``(namespace, name)`` of a storage prefix (a folder): the key without its trailing ``/``."""
    found = dataset_name(prefix)
    if found is None:
        return None
    namespace, name = found
    return namespace, name.rstrip("/") or "/"


def _references(value: Any) -> Iterator[Any]:
    if isinstance(value, (list, tuple)):
        for item in value:
            yield from _references(item)
    elif isinstance(value, dict):
        yield from _references(value.get("ImageUrl") or value.get("image_url"))
    elif value not in (None, ""):
        yield value


def capped(names: Iterable[tuple[str, str]], limit: int = MAX_DATASETS) -> tuple[list[tuple[str, str]], bool]:
    """Distinct names in first-seen order; past ``limit``, their common folders (per namespace).

    Returns the names and whether some were left out even so (more than ``limit`` namespaces).
    """
    distinct = list(dict.fromkeys(names))
    if len(distinct) <= limit:
        return distinct, False
    folders: dict[str, list[str]] = {}
    for namespace, name in distinct:
        folders.setdefault(namespace, []).append(posixpath.dirname(name))
    common = [(ns, posixpath.commonpath(dirs) if all(dirs) else "/") for ns, dirs in folders.items()]
    common = [(ns, name or "/") for ns, name in common]
    return common[:limit], len(common) > limit


# -- what an operator did ---------------------------------------------------------------------------
@dataclass
class LineageRecord:
    """What ``execute`` saw that its arguments do not tell: RequestIds, created ElementIds, a batch report."""

    request_ids: list[str] = field(default_factory=list)
    element_ids: list[str] = field(default_factory=list)
    report: Any = None  # a batch.runner.BatchReport
    inputs: list[tuple[str, str]] = field(default_factory=list)
    outputs: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Lineage:
    """An operator's lineage as plain data: what :meth:`OpenLineageMixin.lineage` returns."""

    action: str
    region: str
    inputs: list[tuple[str, str]]
    outputs: list[tuple[str, str]]
    request_ids: list[str]
    inputs_truncated: bool = False
    outputs_total: int = 0
    items: dict[str, int] = field(default_factory=dict)


def _recorded_ids(record: LineageRecord) -> tuple[list[str], list[str], dict[str, int]]:
    """``(request_ids, element_ids, item counts)`` recorded by ``execute``: its own, then its batch
    report's (every result's RequestId and created ElementId; the summary's counts)."""
    request_ids = list(record.request_ids)
    element_ids = list(record.element_ids)
    items_count: dict[str, int] = {}
    report = record.report
    if report is not None:
        request_ids += [r.request_id for r in report.results if r.request_id]
        element_ids += [r.data["ElementId"] for r in report.results if r.data.get("ElementId")]
        items_count = {k: v for k, v in report.summary().items() if isinstance(v, int)}
    return request_ids, element_ids, items_count


class OpenLineageMixin:
    """OpenLineage methods for the provider's operators (mixed into their base class).

    ``execute`` reports what only it knows with :meth:`record_lineage`; the rest is read from the
    operator's rendered arguments (``group_id``, ``source_prefix``, ``items``, the image arguments,
    and :meth:`lineage_inputs`).
    """

    #: The API action the operator calls, reported in the run facet. ``None`` (an operator that
    #: declares none): ``CreateImage`` with a ``group_id``, else ``CreateAigcCustomElement``.
    lineage_action: ClassVar[str | None] = None
    #: The ``group_id`` gallery's side: ``"output"`` (written) or ``"input"`` (only read). An instance
    #: may change it in ``execute`` (a dry run writes nothing).
    lineage_gallery: str = "output"
    _lineage_record: LineageRecord | None = None
    #: What the lineage is read from, as the operator sets it (``None``: the operator has no such argument).
    region: str | None = None
    group_id: Any = None
    source_prefix: Any = None
    items: Any = None

    def record_lineage(
        self,
        *,
        request_ids: Iterable[str | None] = (),
        element_ids: Iterable[str | None] = (),
        report: Any = None,
        inputs: Iterable[tuple[str, str] | None] = (),
        outputs: Iterable[tuple[str, str] | None] = (),
    ) -> None:
        """Remember RequestIds, ElementIds and datasets read or written by this execution, or the batch
        report holding them (``None`` entries are skipped)."""
        if self._lineage_record is None:
            self._lineage_record = LineageRecord()
        record = self._lineage_record
        record.request_ids.extend(f"{r}" for r in request_ids if r)
        record.element_ids.extend(f"{e}" for e in element_ids if e)
        record.inputs.extend(d for d in inputs if d is not None)
        record.outputs.extend(d for d in outputs if d is not None)
        if report is not None:
            record.report = report

    def lineage_inputs(self, region: str) -> list[tuple[str, str]]:
        """Datasets the operator's (rendered) arguments name as read, besides pictures: none here.

        Read when the lineage is asked for, so that it holds after a deferral too (``execute_complete``
        runs on a fresh operator that recorded nothing before).
        """
        return []

    def _lineage_region(self) -> str:
        hook = self.__dict__.get("hook")  # the hook execute built (reading no connection here)
        if hook is not None:
            try:
                return f"{hook.region}"
            except Exception:  # a connection that could not be read: fall back on the argument
                pass
        return f"{self.region or 'default'}"

    def lineage(self) -> Lineage:
        """This task's inputs, outputs and RequestIds, from its arguments and what ``execute`` recorded.

        Inputs: the prefix listed, else every picture argument (capped, ``inputs_truncated`` saying
        so), then :meth:`lineage_inputs` and the recorded inputs. Outputs: the ``group_id`` gallery
        (an input instead when ``lineage_gallery`` is ``"input"``), else the created ElementIds, then
        the recorded outputs, at most :data:`MAX_DATASETS` (``outputs_total`` counts them all).
        """
        record = self._lineage_record or LineageRecord()
        region = self._lineage_region()
        inputs, truncated = self._argument_inputs()
        inputs += [d for d in (*self.lineage_inputs(region), *record.inputs) if d not in inputs]
        request_ids, element_ids, items_count = _recorded_ids(record)
        action, written, read = self._action_and_outputs(region, element_ids)
        inputs += [d for d in read if d not in inputs]
        written = list(dict.fromkeys([*written, *record.outputs]))
        return Lineage(
            action=action,
            region=region,
            inputs=inputs,
            outputs=written[:MAX_DATASETS],
            request_ids=list(dict.fromkeys(request_ids)),
            inputs_truncated=truncated,
            outputs_total=len(written),
            items=items_count,
        )

    def _argument_inputs(self) -> tuple[list[tuple[str, str]], bool]:
        """``(datasets, truncated)`` the arguments name as read: the ``source_prefix`` listed, else every
        picture argument of the operator or of its ``items`` (a rendered JSON list is parsed), capped."""
        prefix = prefix_name(self.source_prefix)
        if prefix is not None:
            return [prefix], False
        items = self.items
        if isinstance(items, str):  # a rendered template: the JSON list execute read
            try:
                items = json.loads(items)
            except ValueError:
                items = None
        sources = items if isinstance(items, (list, tuple)) else [vars(self)]
        names = (
            name
            for source in sources
            if isinstance(source, dict)
            for key in IMAGE_ARGUMENTS
            for ref in _references(source.get(key))
            if (name := dataset_name(ref, local_path=key == "image_path")) is not None
        )
        return capped(names)

    def _action_and_outputs(
        self, region: str, element_ids: list[str]
    ) -> tuple[str, list[tuple[str, str]], list[tuple[str, str]]]:
        """``(action, written, read)``: with a ``group_id``, its gallery written (or read, per
        ``lineage_gallery``) by ``lineage_action`` or CreateImage; without, the ElementIds created in
        ``region`` by ``lineage_action`` or CreateAigcCustomElement."""
        group_id = self.group_id
        if not group_id:
            namespace = VOD_NAMESPACE.format(region=region)
            action = self.lineage_action or "CreateAigcCustomElement"
            return action, [(namespace, e) for e in dict.fromkeys(element_ids)], []
        action = self.lineage_action or "CreateImage"
        gallery = (IMAGE_SEARCH_NAMESPACE.format(region=region), f"{group_id}")
        if self.lineage_gallery == "input":
            return action, [], [gallery]
        return action, [gallery], []

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """The ``OperatorLineage`` of the finished task; ``None`` without the OpenLineage provider."""
        return to_operator_lineage(self.lineage())

    def get_openlineage_facets_on_failure(self, task_instance: Any) -> Any:
        """As on completion: what was read, and what a partly done batch wrote."""
        return to_operator_lineage(self.lineage())


# -- to OpenLineage objects (imported only here) ---------------------------------------------------
@lru_cache(maxsize=1)
def run_facet_class() -> Any:
    """The ``tencentcloud`` run facet class (an ``attrs`` subclass of OpenLineage's ``RunFacet``)."""
    import attr
    from airflow.providers.common.compat.openlineage.facet import RunFacet

    @attr.define
    class TencentCloudRunFacet(RunFacet):
        """The Tencent Cloud API answers behind a task run."""

        action: str
        region: str
        requestIds: list[str]  # OpenLineage facets use camelCase
        requestIdsTotal: int
        outputsTotal: int
        inputsTruncated: bool
        items: dict[str, int] = attr.Factory(dict)

        _additional_skip_redact = ["action", "region", "requestIds"]

        @staticmethod
        def _get_schema() -> str:
            return RUN_FACET_SCHEMA_URL

    return TencentCloudRunFacet


def to_operator_lineage(lineage: Lineage) -> Any:
    """``OperatorLineage`` of ``lineage``, or ``None`` when the OpenLineage provider is not installed."""
    try:
        from airflow.providers.common.compat.openlineage.facet import Dataset
        from airflow.providers.openlineage.extractors import OperatorLineage
    except ImportError:
        return None
    facet = run_facet_class()(
        action=lineage.action,
        region=lineage.region,
        requestIds=lineage.request_ids[:MAX_REQUEST_IDS],
        requestIdsTotal=len(lineage.request_ids),
        outputsTotal=lineage.outputs_total,
        inputsTruncated=lineage.inputs_truncated,
        items=lineage.items,
    )
    return OperatorLineage(
        inputs=[Dataset(namespace=ns, name=name) for ns, name in lineage.inputs],
        outputs=[Dataset(namespace=ns, name=name) for ns, name in lineage.outputs],
        run_facets={RUN_FACET_KEY: facet},
    )


def convert_asset_to_openlineage(asset: Any, lineage_context: Any) -> Any:
    """``cos://bucket/key`` asset -> OpenLineage dataset (namespace ``cos://bucket``, name ``key``).

    Declared in provider info (``asset-uris``) so that Airflow's OpenLineage integration names
    ``cos://`` assets the way these operators name their inputs.
    """
    from airflow.providers.common.compat.openlineage.facet import Dataset

    found = dataset_name(asset.uri)
    if found is None:
        raise ValueError(f"not a cos:// asset URI: {asset.uri!r}")
    namespace, name = found
    return Dataset(namespace=namespace, name=name)
