"""Every collections resource and action is in the OpenAPI schema with its types."""

from tests.openapi import generated_schema


def test_the_schema_documents_collections():
    schema = generated_schema()
    paths = schema["paths"]
    for path, method in [
        ("/api/v1/payment-milestones/", "get"),
        ("/api/v1/payment-milestones/mine/", "get"),
        ("/api/v1/payment-milestones/export/", "get"),
        ("/api/v1/payment-plans/", "post"),
        ("/api/v1/invoices/", "post"),
        ("/api/v1/invoices/{id}/cancellation/", "post"),
        ("/api/v1/receipts/", "post"),
        ("/api/v1/receipts/{id}/allocations/", "post"),
        ("/api/v1/receipts/{id}/allocation-reversal/", "post"),
        ("/api/v1/receipts/{id}/reversal/", "post"),
        ("/api/v1/write-off-requests/", "post"),
        ("/api/v1/write-off-requests/{id}/approval/", "post"),
        ("/api/v1/write-off-requests/{id}/rejection/", "post"),
        ("/api/v1/payment-reminders/", "get"),
        ("/api/v1/receivables/ageing/", "get"),
        ("/api/v1/receivables/kpis/", "get"),
        ("/api/v1/receivables/forecast/", "get"),
        ("/api/v1/receivables/reconciliation/", "get"),
        ("/api/v1/receivables/battle-map/{customer_id}/", "get"),
    ]:
        assert method in paths.get(path, {}), path
    receipt_in = schema["components"]["schemas"]["ReceiptCreateRequest"]["properties"]
    assert {"allocations", "overpayment", "customer"} <= set(receipt_in)
    assert "400" in paths["/api/v1/invoices/"]["post"]["responses"]
    ageing = schema["components"]["schemas"]["Ageing"]["properties"]
    assert {"rows", "totals", "buckets"} <= set(ageing)
    assert "text/csv" in paths["/api/v1/invoices/export/"]["get"]["responses"]["200"]["content"]
