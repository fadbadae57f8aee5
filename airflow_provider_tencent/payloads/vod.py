"""VOD requests from operator arguments: ``CreateAigcCustomElement``; the checks of the generation tasks.

:func:`prepare_create_element` returns the request for one AIGC subject, checked against the
CreateAigcCustomElement API reference as declared in :mod:`airflow_provider_tencent.contracts.vod`.
The service downloads every picture itself, so a storage path is read here (to check it), then
given to the service as a presigned URL (:func:`resolve_image`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow_provider_tencent.contracts import ApiContract
from airflow_provider_tencent.contracts import vod as contract
from airflow_provider_tencent.fs.storage import PRESIGNABLE
from airflow_provider_tencent.payloads.pictures import pictures_under, read_picture
from airflow_provider_tencent.validation import Problem, field_problems, image_problems, parse_structured, raise_if

CREATE_ELEMENT = contract.CREATE_AIGC_CUSTOM_ELEMENT
#: The arguments of one subject (the single operator's argument names, a batch item's keys).
ELEMENT_KEYS = ("element_name", "element_description", "element_frontal_image", "element_refer_list")
#: The URI prefixes of the storage paths that are presigned.
_PRESIGNABLE_PREFIXES = tuple(f"{scheme}://" for scheme in PRESIGNABLE)


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
    field: str, ref: Any, *, conn_id: str | None, presign_expires: int
) -> tuple[str | None, list[Problem]]:
    """A URL the service can download for ``ref``, and the contract problems found on its bytes.

    http(s) URLs pass through unchecked (we cannot read them without downloading). Storage paths
    (``cos://``, ``s3://``) are read (at most 10 MB + 1 byte), checked against the API's image
    rules and turned into a presigned URL, valid ``presign_expires`` seconds.
    """
    text = f"{ref}" if ref is not None else ""
    if not text:
        return None, [Problem(field, "required", "missing", f"{field} is required")]
    if text.startswith(("http://", "https://")):
        return text, []
    if not text.startswith(_PRESIGNABLE_PREFIXES):
        return None, [
            Problem(
                field,
                "an http(s) URL or a cos:// or s3:// path",
                f"{text[:60]!r}",
                f"{field} {text[:60]!r}: the service downloads the image, so it must be an http(s) "
                "URL or a cos:// or s3:// path (presigned here)",
            )
        ]
    from airflow_provider_tencent.exceptions import TencentCloudInputError
    from airflow_provider_tencent.fs.storage import presign, to_storage_path

    rules = contract.IMAGE_RULES
    try:
        data = read_picture(field, ref, conn_id=conn_id, max_bytes=rules.max_bytes)
    except TencentCloudInputError as exc:
        return None, [Problem(field, "an existing object", "not found", f"{exc}")]
    problems = image_problems(field, data, rules, text)
    if problems:
        return None, problems
    return presign(to_storage_path(ref, conn_id), presign_expires=presign_expires), []


def prepare_create_element(
    element_name: Any,
    element_description: Any,
    element_frontal_image: Any,
    element_refer_list: Any,
    *,
    conn_id: str | None,
    presign_expires: int = 3600,
    label: str | None = None,
) -> dict[str, Any]:
    """The validated ``CreateAigcCustomElement`` request for one subject.

    The steps: the field rules on the arguments as given (names, description, 1 to 3 references);
    then each picture resolved (:func:`resolve_image`: read, checked, presigned), every problem of
    every picture reported at once.

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
    raise_if(field_problems(CREATE_ELEMENT, shape), CREATE_ELEMENT.action, label)
    frontal, problems = resolve_image(
        "element_frontal_image", element_frontal_image, conn_id=conn_id, presign_expires=presign_expires
    )
    refer_urls: list[str] = []
    for index, ref in enumerate(refs):
        url, found = resolve_image(
            f"element_refer_list[{index}]", ref, conn_id=conn_id, presign_expires=presign_expires
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


# -- AIGC generation tasks (CreateAigcVideoTask, CreateAigcImageTask) --------------------------------
def generation_problems(action_contract: ApiContract, params: dict[str, Any]) -> list[Problem]:
    """Every problem of one generation request (API field names), before it is sent.

    The contract's field rules, nested objects included (:func:`~airflow_provider_tencent.validation.field_problems`:
    required ``SubAppId`` and ``ModelVersion``, the model's versions, ``OutputConfig``/``FileInfos``/``SubjectInfos``
    members and types), then the rules between fields the documents state: a ``Prompt`` when no file is given;
    each ``FileInfos`` item names its file (``FileId``, ``Url`` or ``Base64``); a last frame (``LastFrameUrl``,
    ``LastFrameFileId`` or a ``FileInfos`` item with ``Usage`` LastFrame) only with a first frame
    (:data:`~airflow_provider_tencent.contracts.vod.LAST_FRAME_SOURCE`).
    """
    problems = field_problems(action_contract, params)
    given = params.get("FileInfos")
    files: list[Any] = given if isinstance(given, list) else []
    items = [f for f in files if isinstance(f, dict)]
    if not params.get("Prompt") and not files:
        problems.append(
            Problem("prompt", "required without file_infos", "missing", "prompt is required when no file is given")
        )
    for n, item in enumerate(items):
        if not any(item.get(k) for k in contract.FILE_SOURCES):
            sources = ", ".join(contract.FILE_SOURCES)
            problems.append(
                Problem(
                    f"file_infos[{n}]",
                    f"one of {sources}",
                    "none",
                    f"file_infos[{n}] (FileInfos[{n}]) names no file: give one of {sources} (keys: {sorted(item)})",
                )
            )
    last = [k for k in contract.LAST_FRAME_FIELDS if params.get(k)]
    last += ["FileInfos[].Usage LastFrame"] if any(i.get("Usage") == "LastFrame" for i in items) else []
    first = any(i.get("Usage") in (None, "", "FirstFrame") for i in items)
    if last and not first:
        problems.append(
            Problem(
                "file_infos",
                "a first frame (FileInfos item with Usage FirstFrame)",
                "no first frame",
                f"{', '.join(last)} given without a first frame: a last frame needs a FileInfos item with Usage "
                f"FirstFrame ({contract.LAST_FRAME_SOURCE})",
            )
        )
    return problems


def group_pictures_by_folder(
    prefix: Any, conn_id: str | None, frontal_hint: str | None = None, max_refs: int = 3
) -> list[tuple[str, str, list[str]]]:
    """``(folder name, frontal picture, reference pictures)`` for each folder under ``prefix`` that holds pictures.

    Folders are in name order and pictures in URI order. The frontal picture is the first whose
    file name contains ``frontal_hint`` (any case), else the folder's first picture; the references
    are the next ``max_refs`` others. Pictures of folders with the same name at different depths are
    grouped together (the folder *name* is the subject).
    """
    root = f"{prefix}".rstrip("/") + "/"
    folders: dict[str, list[str]] = {}
    for path in pictures_under(root, conn_id):
        folders.setdefault(path.parent.name, []).append(f"{path}")
    hint = (frontal_hint or "").lower()
    groups = []
    for folder, pictures in sorted(folders.items()):
        pictures.sort()
        frontal = next((p for p in pictures if hint and hint in p.rsplit("/", 1)[-1].lower()), pictures[0])
        groups.append((folder, frontal, [p for p in pictures if p != frontal][:max_refs]))
    return groups
