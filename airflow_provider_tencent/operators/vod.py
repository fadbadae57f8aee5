"""VOD AIGC operators: ``CreateAigcElementOperator`` (one subject) and ``CreateAigcElementsOperator`` (many).

Contract: ``shared/seeds/003_e4e61f1dd5e83270.txt`` (``CreateAigcCustomElement``, 2018-07-17),
declared in :mod:`airflow_provider_tencent.contracts.vod`. Importing this module imports no
Tencent Cloud SDK module, no s3fs and no boto.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_provider_tencent.batch.runner import BatchReport, ItemResult, fingerprint
from airflow_provider_tencent.contracts import vod as contract
from airflow_provider_tencent.exceptions import TencentCloudInputError
from airflow_provider_tencent.hooks.vod import TencentVodHook
from airflow_provider_tencent.links.console import VodAigcLink
from airflow_provider_tencent.operators.base import TencentCloudBaseOperator
from airflow_provider_tencent.operators.batch import TencentCloudBatchOperator
from airflow_provider_tencent.validation import Problem, field_problems, image_problems, parse_structured, raise_if

if TYPE_CHECKING:
    from airflow.sdk.definitions.context import Context

CREATE_ELEMENT = contract.CREATE_AIGC_CUSTOM_ELEMENT
PRESIGNABLE = ("cos://", "s3://", "s3a://")


def _image_ref(value: Any) -> Any:
    if isinstance(value, Mapping):
        lowered = {f"{k}".lower().replace("_", ""): v for k, v in value.items()}
        return lowered.get("imageurl")
    return value


def normalise_refer_list(value: Any) -> list[Any]:
    """``element_refer_list`` as a list of image references (URLs or storage paths).

    Accepts a list of strings, ``ObjectStoragePath`` objects or ``{"ImageUrl": ...}`` dicts, a JSON
    list in a string (as a Trigger form may give it), or one reference alone.
    """
    if value is None or value == "":
        return []
    if isinstance(value, str) and value.strip().startswith("["):
        value = parse_structured(value, "element_refer_list", list)  # JSON, or a list rendered as Python
    if isinstance(value, (list, tuple)):
        return [_image_ref(v) for v in value]
    return [_image_ref(value)]


def resolve_image(
    field: str, ref: Any, *, conn_id: str | None, presign_expires: int, check: bool = True
) -> tuple[str | None, list[Problem]]:
    """A URL the service can download for ``ref``, and the contract problems found on its bytes.

    http(s) URLs pass through unchecked (we cannot read them without downloading). Storage paths
    (``cos://``, ``s3://``) are read (at most 10 MB + 1 byte), checked against the seed's image rules
    and turned into a presigned URL, valid ``presign_expires`` seconds.
    """
    text = f"{ref}" if ref is not None else ""
    if not text:
        return None, [Problem(field, "required", "missing", f"{field} is required")]
    if text.startswith(("http://", "https://")):
        return text, []
    if not text.startswith(PRESIGNABLE):
        return None, [
            Problem(
                field,
                "an http(s) URL or a cos:// or s3:// path",
                f"{text[:60]!r}",
                f"{field} {text[:60]!r}: the service downloads the image, so it must be an http(s) "
                "URL or a cos:// or s3:// path (presigned here)",
            )
        ]
    from airflow_provider_tencent.fs.storage import presign, read_bytes, to_storage_path

    path = to_storage_path(ref, conn_id)
    if check:
        rules = contract.IMAGE_RULES
        try:
            data = read_bytes(path, max_bytes=rules.max_bytes)
        except (FileNotFoundError, OSError) as exc:
            return None, [Problem(field, "an existing object", "not found", f"{field} {text!r} cannot be read: {exc}")]
        problems = image_problems(field, data, rules, text)
        if problems:
            return None, problems
    return presign(path, presign_expires=presign_expires), []


def prepare_create_element(
    element_name: Any,
    element_description: Any,
    element_frontal_image: Any,
    element_refer_list: Any,
    *,
    conn_id: str | None,
    presign_expires: int = 3600,
    check_images: bool = True,
    label: str | None = None,
) -> dict[str, Any]:
    """The validated ``CreateAigcCustomElement`` request for one subject.

    :raises TencentCloudInputError: naming every field that breaks the contract, with its limit
        and the value's size. No request has been sent.
    """
    refs = normalise_refer_list(element_refer_list)
    shape = {
        "ElementName": element_name,
        "ElementDescription": element_description,
        "ElementFrontalImage": f"{element_frontal_image}" if element_frontal_image not in (None, "") else None,
        "ElementReferList": [{"ImageUrl": f"{r}"} for r in refs],
    }
    problems = field_problems(CREATE_ELEMENT, shape)
    raise_if(problems, CREATE_ELEMENT.action, label)
    frontal, problems = resolve_image(
        "element_frontal_image",
        element_frontal_image,
        conn_id=conn_id,
        presign_expires=presign_expires,
        check=check_images,
    )
    refer_urls: list[str] = []
    for index, ref in enumerate(refs):
        url, found = resolve_image(
            f"element_refer_list[{index}]",
            ref,
            conn_id=conn_id,
            presign_expires=presign_expires,
            check=check_images,
        )
        problems += found
        if url:
            refer_urls.append(url)
    raise_if(problems, CREATE_ELEMENT.action, label)
    return {
        "ElementName": element_name,
        "ElementDescription": element_description,
        "ElementFrontalImage": frontal,
        "ElementReferList": [{"ImageUrl": url} for url in refer_urls],
    }


class CreateAigcElementOperator(TencentCloudBaseOperator[TencentVodHook]):
    """Create a VOD AIGC subject (``CreateAigcCustomElement``) and return its ``ElementId``.

    All arguments are templated. Images are http(s) URLs, or ``cos://``/``s3://`` paths that are
    checked here (jpg/jpeg/png, at most 10 MB, width and height at least 300 px, aspect ratio
    between 1:2.5 and 2.5:1) and sent as presigned URLs valid ``presign_expires`` seconds.

    :param element_name: ``ElementName``, at most 20 characters.
    :param element_description: ``ElementDescription``, at most 100 characters.
    :param element_frontal_image: ``ElementFrontalImage``.
    :param element_refer_list: ``ElementReferList``: 1 to 3 images.
    :param retry_ambiguous: the API has no idempotency key: by default a failure after the request
        was sent (timeout, reset, server error) fails the task at once with an error saying a
        subject may have been created. ``True`` retries such failures (duplicates possible).
    :return: (XCom ``return_value``) the ``ElementId`` string; the RequestId is pushed under
        ``request_id``.
    """

    lineage_action = CREATE_ELEMENT.action
    hook_class: ClassVar[type[TencentVodHook]] = TencentVodHook
    template_fields: Sequence[str] = (
        *TencentCloudBaseOperator.template_fields,
        "element_name",
        "element_description",
        "element_frontal_image",
        "element_refer_list",
    )
    template_fields_renderers = {"element_refer_list": "json"}
    operator_extra_links = (VodAigcLink(),)
    ui_color = "#fff1e6"

    def __init__(
        self,
        *,
        element_name: str,
        element_description: str,
        element_frontal_image: Any,
        element_refer_list: Any,
        retry_ambiguous: bool = False,
        presign_expires: int = 3600,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.element_name = element_name
        self.element_description = element_description
        self.element_frontal_image = element_frontal_image
        self.element_refer_list = element_refer_list
        self.retry_ambiguous = retry_ambiguous
        self.presign_expires = presign_expires

    def execute(self, context: Context) -> str:
        params = prepare_create_element(
            self.element_name,
            self.element_description,
            self.element_frontal_image,
            self.element_refer_list,
            conn_id=self.tencentcloud_conn_id,
            presign_expires=self.presign_expires,
        )
        VodAigcLink.persist(context)
        response = self.hook.create_aigc_custom_element(params, retry_ambiguous=self.retry_ambiguous)
        element_id = response.get("ElementId")
        if not element_id:
            raise TencentCloudInputError(
                f"CreateAigcCustomElement answered without an ElementId (RequestId {response.get('RequestId')})"
            )
        context["ti"].xcom_push(key="request_id", value=response.get("RequestId"))
        self.record_lineage(request_ids=[response.get("RequestId")], element_ids=[element_id])
        self.log.info(
            "Created AIGC subject %r: ElementId=%s RequestId=%s",
            self.element_name,
            element_id,
            response.get("RequestId"),
        )
        return f"{element_id}"


class CreateAigcElementsOperator(TencentCloudBatchOperator[TencentVodHook]):
    """Create many AIGC subjects in one task, at the ``CreateAigcCustomElement`` quota (20/s by default).

    ``items``: a list (or XCom) of dicts with ``element_name``, ``element_description``,
    ``element_frontal_image``, ``element_refer_list`` and an optional ``key`` (default: the name).

    Because the API cannot be asked whether a subject exists, each item's intent is journalled
    durably right before its request leaves (after validation, the image reads, presigning, the
    rate-limit wait and the credential refresh). An item that failed before that, or whose request
    provably never reached the service (input errors, credential failures, connect errors, a request
    that could not be built), is journalled ``failed`` and a retry sends it again. An item that may
    have reached the service without a definite answer (the worker died mid-call, a timeout after
    sending, a server error, an answer without ``ElementId``) is reported ``ambiguous`` - it may
    exist - and not sent again, unless ``retry_ambiguous=True``.

    Result (XCom): ``element_ids`` ``{key: ElementId}`` plus the counts and ``failures``.
    """

    contract = CREATE_ELEMENT
    journal_intent = True
    lineage_action = CREATE_ELEMENT.action
    hook_class: ClassVar[type[TencentVodHook]] = TencentVodHook
    template_fields: Sequence[str] = (*TencentCloudBatchOperator.template_fields, "items")
    template_fields_renderers = {"items": "json"}
    operator_extra_links = (VodAigcLink(),)
    ITEM_KEYS = ("key", "element_name", "element_description", "element_frontal_image", "element_refer_list")

    def __init__(
        self, *, items: Any, retry_ambiguous: bool = False, presign_expires: int = 3600, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.items = items
        self.retry_ambiguous = retry_ambiguous
        self.presign_expires = presign_expires

    def iter_items(self, context: Context) -> Iterable[tuple[str, Any]]:
        """``items`` parsed and checked whole, before anything is sent.

        An item's key is its ``key``; without one, its ``element_name`` - and, when several items
        share that name (legitimate: subjects may share a name), ``<name>#<index>``, so each is
        created. The same explicit key twice with the same content is sent once; with different
        content it is an input error naming both.
        """
        if self.items is None:
            raise TencentCloudInputError("items is required: a list of subjects (dicts)", field="items")
        items = parse_structured(self.items, "items", list)
        names: dict[str, int] = {}
        for index, entry in enumerate(items):
            if not isinstance(entry, Mapping):
                raise TencentCloudInputError(
                    f"items[{index}] must be a dict with keys among {list(self.ITEM_KEYS)}, got "
                    f"{type(entry).__name__} {f'{entry}'[:40]!r}",
                    field="items",
                    item=f"{index}",
                )
            unknown = sorted(f"{k}" for k in set(entry) - set(self.ITEM_KEYS))
            if unknown:
                raise TencentCloudInputError(
                    f"items[{index}]: unknown keys {unknown}; expected some of {list(self.ITEM_KEYS)}; "
                    "nothing was sent",
                    field="items",
                    item=f"{index}",
                )
            if entry.get("key") in (None, ""):
                name = f"{entry.get('element_name') or index}"
                names[name] = names.get(name, 0) + 1
        out: list[tuple[str, Any]] = []
        seen: dict[str, tuple[int, str]] = {}
        for index, entry in enumerate(items):
            item = dict(entry)
            if item.get("key") not in (None, ""):
                key = f"{item['key']}"
            else:
                name = f"{item.get('element_name') or index}"
                key = name if names[name] == 1 else f"{name}#{index}"
            mark = fingerprint({k: v for k, v in item.items() if k != "key"})
            if key in seen:
                first, first_mark = seen[key]
                if first_mark == mark:
                    self.log.warning("items[%d] repeats items[%d] (key %r): sent once", index, first, key)
                    continue
                raise TencentCloudInputError(
                    f"items[{first}] and items[{index}] have the same key {key!r} but different content: give "
                    "each subject its own key; nothing was sent",
                    field="items",
                    item=key,
                )
            seen[key] = (index, mark)
            out.append((key, item))
        return out

    def send_item(self, key: str, payload: Any, limiter: Any, before_send: Callable[[], None]) -> ItemResult:
        params = prepare_create_element(
            payload.get("element_name"),
            payload.get("element_description"),
            payload.get("element_frontal_image"),
            payload.get("element_refer_list"),
            conn_id=self.tencentcloud_conn_id,
            presign_expires=self.presign_expires,
            label=key,
        )
        response = self.hook.create_aigc_custom_element(
            params, retry_ambiguous=self.retry_ambiguous, limiter=limiter, before_send=before_send
        )
        return ItemResult(
            key,
            "created",
            request_id=response.get("RequestId"),
            data={"ElementId": response.get("ElementId"), "ElementName": payload.get("element_name")},
        )

    def on_unfinished(self, key: str, payload: Any) -> ItemResult | None:
        if self.retry_ambiguous:
            return None
        return ItemResult(
            key,
            "ambiguous",
            "MaybeCreated",
            "a previous attempt sent this subject and died before recording the answer: it may exist; "
            "not sent again (set retry_ambiguous=True to re-send, accepting a possible duplicate)",
        )

    def execute(self, context: Context) -> Any:
        VodAigcLink.persist(context)
        return super().execute(context)

    def result_value(self, report: BatchReport, summary: dict[str, Any]) -> Any:
        summary["element_ids"] = {r.key: r.data.get("ElementId") for r in report.results if r.data.get("ElementId")}
        return summary
