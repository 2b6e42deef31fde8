"""Case attachments: an upload slot (presigned PUT bound to the declared type and size) for a case that exists,
recorded in the audit trail as ``attach`` on ``case:<id>``; the case's attachments with presigned GETs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from cts.domain.attachments import (
    DOWNLOAD_EXPIRES_S,
    UPLOAD_EXPIRES_S,
    AttachmentRequest,
    case_prefix,
    object_key,
)
from cts.domain.audit import SubjectKind, subject
from cts.domain.errors import NotFound
from cts.ports.attachments import AttachmentStore
from cts.ports.records import CaseStore
from cts.services.audit import AuditTrail


@dataclass
class AttachmentService:
    store: AttachmentStore
    cases: CaseStore
    audit: AuditTrail | None = None

    def _require_case(self, case_id: str) -> None:
        if self.cases.get(case_id) is None:
            raise NotFound(f"case {case_id}")

    def upload_slot(
        self, case_id: str, actor: str, roles: frozenset[str], request: AttachmentRequest
    ) -> dict[str, Any]:
        self._require_case(case_id)
        attachment_id = uuid.uuid4().hex
        key = object_key(case_id, attachment_id, request.filename)
        url = self.store.upload_url(key, request.content_type, request.size, UPLOAD_EXPIRES_S)
        if self.audit is not None:
            self.audit.record(
                actor,
                roles,
                "attach",
                subject(SubjectKind.CASE, case_id),
                {
                    "attachment_id": attachment_id,
                    "filename": request.filename,
                    "content_type": request.content_type,
                    "size": str(request.size),
                },
            )
        return {
            "attachment_id": attachment_id,
            "filename": request.filename,
            "upload_url": url,
            "method": "PUT",
            "headers": {"Content-Type": request.content_type},
            "expires_in": UPLOAD_EXPIRES_S,
        }

    def listing(self, case_id: str) -> list[dict[str, Any]]:
        self._require_case(case_id)
        return [
            {
                "attachment_id": a.attachment_id,
                "filename": a.filename,
                "size": a.size,
                "uploaded_at": a.uploaded_at.isoformat() if a.uploaded_at else None,
                "download_url": self.store.download_url(a.key, a.filename, DOWNLOAD_EXPIRES_S),
                "expires_in": DOWNLOAD_EXPIRES_S,
            }
            for a in self.store.list(case_prefix(case_id))
        ]
