"""Serializers of generated documents and document templates."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from ..choices import DocumentLanguage, RecordDocumentKind, SignatureState
from ..models import DocumentTemplate, GeneratedDocument


class GeneratedDocumentSerializer(serializers.ModelSerializer):
    record_type = serializers.CharField(source="record_type.model", read_only=True)
    download_url = serializers.SerializerMethodField()
    created_by = serializers.IntegerField(source="created_by_id", read_only=True, allow_null=True)
    template_version = serializers.IntegerField(source="template.version", read_only=True)

    class Meta:
        model = GeneratedDocument
        fields = [
            *("id", "kind", "number", "version", "language", "record_type", "record_id"),
            *("size", "sha256", "template_version", "created_by", "created_at"),
            *("signature_state", "signature_sent_at", "signature_done_at", "download_url"),
        ]
        read_only_fields = fields

    def get_download_url(self, obj) -> str:
        return reverse("generateddocument-download", args=[obj.pk])


class DocumentGenerateSerializer(serializers.Serializer):
    """Which document to make from which record (the record's id: a quote for `quote`, an
    opportunity for `bid_letter` and `authorisation`, a contract for `contract_draft`, a
    payment milestone for `payment_request`), in which language."""

    kind = serializers.ChoiceField(choices=RecordDocumentKind.choices)
    record_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    language = serializers.ChoiceField(choices=DocumentLanguage.choices)


class SignatureCallbackSerializer(serializers.Serializer):
    """What the e-signature service reports, with the hash of the file it signed."""

    sha256 = serializers.CharField(max_length=64)
    state = serializers.ChoiceField(
        choices=[(SignatureState.SIGNED, "signed"), (SignatureState.DECLINED, "declined")]
    )


class DocumentTemplateSerializer(serializers.ModelSerializer):
    created_by = serializers.IntegerField(source="created_by_id", read_only=True, allow_null=True)

    class Meta:
        model = DocumentTemplate
        fields = ["id", "kind", "language", "version", "body", "created_by", "created_at"]
        read_only_fields = fields


class DocumentTemplateWriteSerializer(serializers.Serializer):
    """A new version of the template of `kind` in `language` (Django template syntax)."""

    kind = serializers.ChoiceField(choices=RecordDocumentKind.choices)
    language = serializers.ChoiceField(choices=DocumentLanguage.choices)
    body = serializers.CharField(max_length=100_000, trim_whitespace=False)
