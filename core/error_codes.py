"""Every error code the application answers with, in one place.

An error response is `{"code", "message", "fields"}` (core.api.errors); `message` is for people
and in their language, `code` is for programs and never changes. A client may rely on every code
listed here; `tests/ltc/test_error_codes.py` fails when the source answers with a code that is
not listed, or when a listed code is answered nowhere. The status is the usual one; the few
codes answered with two statuses name both.
"""

from __future__ import annotations

# code: (HTTP status, what it means)
ERROR_CODES: dict[str, tuple[int | str, str]] = {
    # --- Any request -----------------------------------------------------------------------
    "invalid": (400, "Bad input; `fields` names each field and what is wrong with it."),
    "bad_request": (400, "The request could not be understood (malformed)."),
    "parse_error": (400, "The body is not valid JSON."),
    "bad_characters": (400, "Text with NUL characters or unpaired surrogates."),
    "date_out_of_range": (400, "A date outside 1900-2999."),
    "too_deep": (400, "JSON nested deeper than allowed."),
    "invalid_cursor": (400, "A pagination cursor that this API did not hand out."),
    "bad_version": (400, "If-Match is not a version number."),
    "bad_file": (400, "An uploaded file that is not a readable CSV or XLSX."),
    "bad_configuration": (
        400,
        "A configuration file of another format, with an unknown section or an entry refused; "
        "`fields` names each entry (`roles[presales]`), and nothing was imported.",
    ),
    "duplicate_item": (400, "A bulk request names the same external id twice."),
    "duplicate_exchange_rate": (
        400,
        "There is a rate for this day and currency pair already (one per day and pair, ADR 30).",
    ),
    "out_of_scope": (
        400,
        "Filing or moving a record into an org unit, owner or seat outside yours.",
    ),
    "bad_template": (
        400,
        "A document template that does not compile in the sandbox (or cannot be laid out); "
        "`fields.body` says where. Nothing was saved.",
    ),
    "not_authenticated": (401, "No credentials, or credentials that are not valid."),
    "signature_invalid": (
        401,
        "An e-signature callback whose X-LTC-Signature is missing, wrong or too old.",
    ),
    "authentication_failed": (401, "Wrong credentials."),
    "two_factor_required": (403, "The account must confirm a second factor first."),
    "forbidden": (403, "You may see the record but not do this to it."),
    "permission_denied": (403, "Your role or API key's scopes do not allow this."),
    "csrf_failed": (403, "A browser form without a valid CSRF token."),
    "source_revoked": (403, "The web-to-lead source key was revoked."),
    "not_found": (404, "No such record, or one you may not see."),
    "method_not_allowed": (405, "This HTTP method is not offered here."),
    "not_acceptable": (406, "The Accept header asks for a format this API does not give."),
    "conflict": (409, "The change clashes with existing data or with the record's state."),
    "document_hash_mismatch": (
        409,
        "An e-signature callback names a file hash that is not this document's.",
    ),
    "stale_version": (409, "The record changed since you read it (If-Match / version)."),
    "concurrent_update": (409, "Someone changed the record's state at the same moment."),
    "transition_not_allowed": (409, "The transition is not possible now; `fields` say why."),
    "transition_internal": (409, "The transition is run only by a service (e.g. a gate decision)."),
    "too_large": (413, "The request body is too large."),
    "unsupported_media_type": (415, "The body is not JSON (or multipart for uploads)."),
    "password_sign_in_off": (
        400,
        "This person signs in through single sign-on; their password here is switched off.",
    ),
    "locked_out": (429, "Too many failed sign-ins; wait before trying again."),
    "throttled": (429, "Too many requests for this API key; wait before trying again."),
    "server_error": (500, "A fault on our side; it has been logged."),
    "error": (500, "An error no other code describes."),
    # --- Approval chains (ADR 17) -------------------------------------------------------------
    "no_possible_approver": (400, "A step of the chain names nobody who could approve it."),
    "approval_chain_exists": (400, "The kind already has an active chain: change that one."),
    "no_approval_chain": (409, "No approval chain is defined for this kind."),
    "approval_open": (409, "The subject already has an approval under way."),
    "approval_not_pending": (409, "The request is not waiting for a decision."),
    "approval_not_open": (409, "The request is already decided or withdrawn."),
    "approval_not_sent_back": (409, "Only a request sent back for rework can be resubmitted."),
    "approval_resubmit_elsewhere": (
        409,
        "This kind is submitted again from its subject (a contract change: taken up again).",
    ),
    "approval_withdraw_elsewhere": (
        409,
        "This kind ends with its subject (a gate's decision: with its review).",
    ),
    "gate_awaiting_approval": (
        409,
        "The gate's decision waits at a later step of its chain (or an escalated go's steps).",
    ),
    "approval_own_request": (403, "The requester may not decide their own request."),
    "approval_not_yours": (403, "The request's current step does not wait for you."),
    "approval_requester_only": (403, "Only the requester may withdraw or resubmit."),
    "delegation_cycle": (400, "The delegation would close a circle of delegations."),
    "delegation_ended": (409, "The delegation has ended already."),
    # --- Idempotency-Key (ADR 8) -------------------------------------------------------------
    "idempotency_in_flight": (409, "The first request with this key is still running."),
    "idempotency_key_reused": (422, "The key was used before for a different request."),
    # --- Parties and imports -----------------------------------------------------------------
    "duplicate_alias": (400, "The alias names another customer already, or is another's name."),
    "duplicate_customer": (409, "A customer with this name or credit code exists already."),
    "registration_conflict": (
        400,
        "The customer (or project) is protected for someone else: names the holder and the "
        "date the protection ends.",
    ),
    "registration_exists": (400, "The owner holds or awaits this registration already."),
    "registration_no_activity": (
        400,
        "No activity on the customer since the protection began or was renewed.",
    ),
    "registration_not_protected": (409, "The registration does not hold protection (now)."),
    "registration_not_in_ruling": (409, "The registration is not waiting for a ruling."),
    "external_id_unavailable": (409, "This external id belongs to another record."),
    "duplicate_contact": (
        409,
        "The customer has a contact with this e-mail or phone; `fields.duplicate_of` names it.",
    ),
    "duplicate_lead": (
        409,
        "An open lead for this company has this phone or e-mail; `fields.duplicate_of` names it.",
    ),
    "merge_conflict": (
        409,
        "These records cannot be merged now (one was merged meanwhile, or a clash to resolve).",
    ),
    "import_state": (409, "The import is not in the state this step needs."),
    "owner_not_assignable": (400, "The lead's owner may not be given leads here."),
    # --- Channel partners (issue 21, ADR 20) -------------------------------------------------
    "partner_exists": (400, "A partner of this name exists already."),
    "partner_state": (409, "The partner is not in the state this step needs (admission)."),
    "partner_not_admitted": (400, "The partner is not admitted (准入): it registers nothing."),
    "partner_not_qualified": (400, "The partner has no qualification (in date, verified)."),
    "partner_tier_not_allowed": (400, "The partner's tier does not register sales projects."),
    "partner_outside_territory": (400, "The customer is outside the partner's territory."),
    "partner_product_line_not_allowed": (400, "The partner does not sell this product line."),
    "partner_agreement_exists": (400, "The partner has an agreement for this year already."),
    "registration_not_convertible": (
        409,
        "Only an approved registration holding protection becomes an opportunity.",
    ),
    "partner_registration_converted": (400, "The registration became an opportunity already."),
    "member_inactive": (409, "The partner user is deactivated already."),
    "unknown_customer": (400, "The portal: no customer of this name (a partner names it)."),
    "registration_not_pending": (409, "The portal: only a pending registration is withdrawn."),
    # --- Rebates (issue 21.5, ADR 22) ---------------------------------------------------------
    "rebate_tiers_conflict": (
        400,
        "A rebate scheme's tiers overlap or leave a gap; `fields.tiers` names them.",
    ),
    "rebate_scheme_exists": (400, "The agreement has a rebate scheme already."),
    "rebate_scheme_in_use": (
        409,
        "The scheme has accrued: its tiers, measure, period and basis are fixed.",
    ),
    # --- Roles as permission sets (issue 20.1) -------------------------------------------------
    "unknown_permission": (400, "A role names a permission the catalogue does not have."),
    "role_builtin": (403, "A built-in role is read-only: its rules are in the code."),
    "role_not_assignable": (400, "A built-in role is a user's role, set on the user, not given."),
    "role_in_use": (409, "People still hold the role; take it back from them first."),
    "duplicate_role_assignment": (409, "The person already holds this role in this unit."),
    # --- Gates (ATI / ATB / ATC) ---------------------------------------------------------------
    "gate_open": (409, "A review of this gate is already open."),
    "gate_not_ready": (409, "The record does not meet the gate's entry conditions."),
    "gate_decided": (409, "This review is already decided."),
    "gate_authority": (403, "You hold no authority to decide this review."),
    "assessments_missing": (409, "The required assessments are not all in."),
    "iron_triangle_incomplete": (409, "AR, SR and FR seats are not all filled."),
    "seat_held_twice": (
        400,
        "One person in two iron-triangle seats (unless IRON_TRIANGLE_SHARED_SEATS allows it).",
    ),
    # --- Opportunities, quotes, bids ---------------------------------------------------------
    "opportunity_closed": (409, "The opportunity is closed."),
    "customer_not_approved": (
        409,
        "The deal's customer waits for approval (deals on it stop at "
        "LTC_PENDING_CUSTOMER_MAX_STAGE) or was rejected (its deals do not advance).",
    ),
    "still_open": (409, "Win/loss reasons are recorded when the opportunity closes."),
    "quote_locked": (409, "Only a draft quote is edited; make a new version."),
    "quote_not_draft": (409, "Only a draft quote is submitted."),
    "quote_not_pending": (409, "The quote is not waiting for a pricing decision."),
    "quote_not_approved": (409, "The bid needs an approved quote."),
    "quote_currency": (400, "A quote line in another currency than the quote."),
    "pricing_authority": (
        403,
        "Only a pricing approver over the deal decides, never the requester.",
    ),
    "special_price_justification": (400, "A special price needs a justification."),
    "agreement_price_overlap": (
        400,
        "An approved agreement price of the same customer (partner) and product overlaps.",
    ),
    "credit_split_open": (409, "A credit split for the deal is already waiting for approval."),
    "agreement_price_state": (409, "The agreement price is not in the state this step needs."),
    "bid_exists": (409, "This opportunity has a bid already."),
    "bid_wrong_stage": (409, "A bid is prepared while guiding or bidding."),
    "bid_not_ready": (409, "The bid's checklist is not complete."),
    "bid_closed": (409, "The bid is submitted or closed."),
    # --- Contracts ---------------------------------------------------------------------------
    "signed_terms": (409, "Signed terms change only by an approved amendment."),
    "not_signed": (409, "The contract is not signed yet."),
    "already_confirmed": (409, "This was confirmed already."),
    "contract_not_active": (409, "The contract is not in execution."),
    "contract_finished": (409, "The contract's delivery is finished."),
    "contract_not_closed": (409, "A contract is evaluated after it closes."),
    "already_evaluated": (409, "The contract is evaluated already."),
    "close_checklist": (409, "The close checklist is not complete."),
    "change_not_raised": (409, "The contract change is not waiting for a decision."),
    "replan_stale": (409, "The delivery plan changed since the change was raised."),
    "replan_by_change": (409, "Once delivery started, planned dates move only by a change."),
    "deliverable_cancelled": (409, "A cancelled deliverable is not edited."),
    "milestone_kind_fixed": (409, "Once delivery started, a step's kind is fixed."),
    "milestone_not_planned": (409, "The delivery milestone is not planned."),
    # --- Receivables -------------------------------------------------------------------------
    "plan_has_money": (409, "Money was applied to the plan; change it by amendment."),
    "amendment_below_collected": (409, "An amendment may not go below what was collected."),
    "duplicate_receipt": (
        409,
        "This payment is recorded already (same contract, amount, date, ref).",
    ),
    "duplicate_receipt_busy": (409, "Identical payments are being recorded at once; try again."),
    "receipt_changed": (409, "The receipt changed meanwhile."),
    "receipt_reversed": (409, "The receipt was reversed."),
    "already_reversed": (409, "The allocation is reversed already."),
    "no_credit": (409, "The receipt holds no unapplied credit."),
    "nothing_open": (409, "Nothing is open to apply the credit to."),
    "milestone_not_due": (409, "The milestone is not due for invoicing."),
    "milestone_written_off": (409, "The milestone is written off."),
    "invoice_cancelled": (409, "The invoice is cancelled already."),
    "nothing_outstanding": (409, "Nothing is outstanding to write off."),
    "outstanding_changed": (409, "The outstanding amount changed since the request."),
    "write_off_pending": (409, "A write-off request is waiting already."),
    "already_decided": (409, "This request was decided already."),
    # --- Key accounts and integrations ---------------------------------------------------------
    "period_closed": (409, "The period has ended; its commitment no longer changes."),
    "key_revoked": (409, "The API key is revoked already."),
    # --- Chat apps (ADR 24) ---------------------------------------------------------------------
    "chat_delivery_not_failed": (409, "Only a failed chat delivery can be sent again."),
}
