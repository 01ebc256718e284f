"""A typed walk through the aftercare API with the client that
openapi-python-client generates from openapi.yaml, written as an app
developer would write it from the document: no casts, no `Any`, no
`type: ignore`. `mypy --strict` checks it together with the generated
package, then it runs against a live server; any unexpected answer exits
non-zero naming the step.

Usage: python walk.py BASE_URL ADMIN_EMAIL ADMIN_PASSWORD
(the generated package `aftercare_client` on PYTHONPATH; see ../run)
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from typing import NoReturn, TypeVar

from aftercare_client import AuthenticatedClient, Client
from aftercare_client.api.alerts import acknowledge_alert, get_alert, list_alerts
from aftercare_client.api.auth import login, register
from aftercare_client.api.checkins import create_checkin, sync_checkins
from aftercare_client.api.operations import get_openapi
from aftercare_client.api.patients import create_patient
from aftercare_client.api.physician_views import get_timeline, get_worklist
from aftercare_client.api.treatments import create_treatment
from aftercare_client.api.users import create_user, get_me, update_me
from aftercare_client.models import (
    AlertStatus,
    CheckinRequest,
    CheckinResult,
    CreatePatientRequest,
    CreateTreatmentRequest,
    CreateUserRequest,
    Glucose,
    ImpactInput,
    Level,
    Locale,
    LoginRequest,
    MedicalCare,
    Problem,
    RegisterRequest,
    Role,
    Rule,
    Screening,
    Site,
    StaffRole,
    Symptoms,
    SyncItem,
    SyncRequest,
    TreatmentKind,
    UpdateMeRequest,
    VitalsInput,
)
from aftercare_client.types import Response

T = TypeVar("T")


def fail(step: str, message: str) -> NoReturn:
    sys.exit(f"walk.py: {step}: {message}")


def check(step: str, condition: bool, message: str) -> None:
    if not condition:
        fail(step, message)


def expect(step: str, answer: Response[T | Problem], status: HTTPStatus) -> T:
    """The parsed body of an answer with this status, or exit naming the step."""
    parsed = answer.parsed
    if answer.status_code != status or parsed is None or isinstance(parsed, Problem):
        fail(step, f"expected {status.value}, got {answer.status_code.value}: {answer.content[:400]!r}")
    return parsed


def walk(base_url: str, admin_email: str, admin_password: str) -> None:
    anonymous = Client(base_url=base_url)

    # The admin logs in and creates a physician, who logs in.
    step = "admin login"
    pair = expect(
        step,
        login.sync_detailed(client=anonymous, body=LoginRequest(email=admin_email, password=admin_password)),
        HTTPStatus.OK,
    )
    check(step, pair.user.role == Role.ADMIN, f"role {pair.user.role}")
    admin = AuthenticatedClient(base_url=base_url, token=pair.access_token)

    step = "POST /v1/users"
    physician_email, physician_password = "dr.python@walk.example", "python-walk-physician-1"
    doctor_user = expect(
        step,
        create_user.sync_detailed(
            client=admin,
            body=CreateUserRequest(
                email=physician_email,
                password=physician_password,
                role=StaffRole.PHYSICIAN,
                display_name="Dr Python",
            ),
        ),
        HTTPStatus.CREATED,
    )
    check(step, doctor_user.role == Role.PHYSICIAN and doctor_user.locale == Locale.JA, f"{doctor_user}")

    step = "physician login"
    pair = expect(
        step,
        login.sync_detailed(client=anonymous, body=LoginRequest(email=physician_email, password=physician_password)),
        HTTPStatus.OK,
    )
    doctor = AuthenticatedClient(base_url=base_url, token=pair.access_token)

    # The physician records a patient; the answer carries the invite code.
    step = "POST /v1/patients"
    patient = expect(
        step,
        create_patient.sync_detailed(
            client=doctor,
            body=CreatePatientRequest(
                display_name="Python Walk", timezone="Asia/Tokyo", locale=Locale.EN, birth_year=1985
            ),
        ),
        HTTPStatus.CREATED,
    )
    check(step, patient.locale == Locale.EN and len(patient.invite.code) > 0, f"{patient}")

    # The patient registers with it, reads their account and sends their
    # locale back unchanged.
    step = "POST /v1/auth/register"
    pair = expect(
        step,
        register.sync_detailed(
            client=anonymous,
            body=RegisterRequest(
                invite_code=patient.invite.code, email="python@walk.example", password="python-walk-patient-1"
            ),
        ),
        HTTPStatus.CREATED,
    )
    check(step, pair.user.role == Role.PATIENT and pair.user.patient_id == patient.id, f"{pair.user}")
    me_client = AuthenticatedClient(base_url=base_url, token=pair.access_token)

    step = "GET /v1/me"
    me = expect(step, get_me.sync_detailed(client=me_client), HTTPStatus.OK)
    check(step, me.locale == Locale.EN, f"locale {me.locale}")

    step = "PATCH /v1/me"
    me = expect(step, update_me.sync_detailed(client=me_client, body=UpdateMeRequest(locale=me.locale)), HTTPStatus.OK)
    check(step, me.locale == Locale.EN, f"locale {me.locale}")

    # The physician records an injection given an hour ago.
    step = "POST /v1/patients/{id}/treatments"
    treatment = expect(
        step,
        create_treatment.sync_detailed(
            patient.id,
            client=doctor,
            body=CreateTreatmentRequest(
                kind=TreatmentKind.INJECTION,
                sites=[Site.FACE],
                product="Exo-X",
                administered_at=datetime.now(UTC) - timedelta(hours=1),
                screening=Screening(
                    cancer_treatment=False, pregnant=False, breastfeeding=False, planning_pregnancy=False
                ),
            ),
        ),
        HTTPStatus.CREATED,
    )
    check(step, treatment.kind == TreatmentKind.INJECTION and treatment.sites == [Site.FACE], f"{treatment}")

    # The patient's throat feels tight an hour after the injection: an
    # emergency (suspected anaphylaxis) that opens an alert.
    step = "POST /v1/treatments/{id}/checkins"
    care = MedicalCare.CLINIC
    body = CheckinRequest(
        client_id="python-walk-1",
        symptoms=Symptoms(swelling=2, throat_tightness=2),
        vitals=VitalsInput(systolic_bp=118, temperature_c=37.2),
        impact=ImpactInput(missed_normal_activities=True, missed_work=False, medical_care=care),
    )
    result = expect(step, create_checkin.sync_detailed(treatment.id, client=me_client, body=body), HTTPStatus.CREATED)
    check(step, result.triage.level == Level.EMERGENCY, f"triage level {result.triage.level}")
    check(step, len(result.triage.guidance) > 0 and all(g.text for g in result.triage.guidance), "no guidance text")
    check(step, result.checkin.symptoms.throat_tightness == 2, f"symptoms {result.checkin.symptoms}")
    vitals = result.checkin.vitals
    impact = result.checkin.impact
    if vitals is None or impact is None:
        fail(step, "no vitals or impact in the answer")
    systolic_bp: float | None = vitals.systolic_bp
    temperature_c: float | None = vitals.temperature_c
    glucose: Glucose | None = vitals.glucose
    check(step, systolic_bp == 118 and temperature_c == 37.2 and glucose is None, f"vitals {vitals}")
    missed_work: bool = impact.missed_work
    medical_care: MedicalCare = impact.medical_care
    check(step, impact.missed_normal_activities and not missed_work and medical_care == care, f"impact {impact}")
    anaphylaxis = [a for a in result.alerts if a.rule == Rule.SUSPECTED_ANAPHYLAXIS]
    check(step, len(anaphylaxis) == 1 and anaphylaxis[0].status == AlertStatus.OPEN, f"alerts {result.alerts}")
    alert_id = anaphylaxis[0].id

    # The same check-in again through the offline sync: a replay, answered
    # 200 with the same check-in.
    step = "POST /v1/sync"
    item = SyncItem(
        treatment_id=treatment.id,
        client_id=body.client_id,
        observed_at=body.observed_at,
        symptoms=body.symptoms,
        vitals=body.vitals,
        impact=body.impact,
        note=body.note,
    )
    synced = expect(
        step, sync_checkins.sync_detailed(client=me_client, body=SyncRequest(checkins=[item])), HTTPStatus.OK
    )
    check(step, len(synced.results) == 1, f"{len(synced.results)} results")
    replay = synced.results[0].body
    if synced.results[0].status != 200 or not isinstance(replay, CheckinResult):
        fail(step, f"{synced.results[0]}")
    check(step, replay.checkin.id == result.checkin.id, f"check-in {replay.checkin.id}, not {result.checkin.id}")

    # The physician finds the alert among the open and acknowledged ones, on
    # the worklist and on the timeline.
    step = "GET /v1/alerts?status=open&status=acknowledged"
    open_or_acknowledged = list_alerts.sync_detailed(client=doctor, status=[AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED])
    alerts = expect(step, open_or_acknowledged, HTTPStatus.OK)
    listed = [a for a in alerts.items if a.id == alert_id]
    check(step, len(listed) == 1 and listed[0].level == Level.EMERGENCY, f"{[a.id for a in alerts.items]}")

    step = "GET /v1/worklist"
    worklist = expect(step, get_worklist.sync_detailed(client=doctor), HTTPStatus.OK)
    rows = [row for row in worklist.items if row.treatment.id == treatment.id]
    check(step, len(rows) == 1, f"{len(rows)} rows for the treatment")
    worst = rows[0].worst_alert
    check(step, worst is not None and worst.level == Level.EMERGENCY and rows[0].open_alerts >= 1, f"{rows[0]}")

    step = "GET /v1/patients/{id}/timeline"
    timeline = expect(step, get_timeline.sync_detailed(patient.id, client=doctor), HTTPStatus.OK)
    check(step, len(timeline.treatments) == 1 and len(timeline.treatments[0].days) == 1, f"{timeline}")
    day = timeline.treatments[0].days[0]
    check(step, day.checkins == 1 and day.symptoms.throat_tightness == 2, f"{day}")

    # Acknowledge with the ETag of the alert as read; that ETag is then stale.
    step = "GET /v1/alerts/{id}"
    read = get_alert.sync_detailed(alert_id, client=doctor)
    alert = expect(step, read, HTTPStatus.OK)
    etag = read.headers.get("etag")
    if etag is None or alert.status != AlertStatus.OPEN:
        fail(step, f"etag {etag}, status {alert.status}")

    step = "POST /v1/alerts/{id}/acknowledge"
    acked = acknowledge_alert.sync_detailed(alert_id, client=doctor, if_match=etag)
    alert = expect(step, acked, HTTPStatus.OK)
    check(step, alert.status == AlertStatus.ACKNOWLEDGED and alert.acknowledged_by == doctor_user.id, f"{alert}")
    check(step, acked.headers.get("etag") not in (None, etag), "the ETag did not change")

    step = "acknowledge with the stale ETag"
    stale = acknowledge_alert.sync_detailed(alert_id, client=doctor, if_match=etag)
    problem = stale.parsed
    if stale.status_code != HTTPStatus.PRECONDITION_FAILED or not isinstance(problem, Problem):
        fail(step, f"expected 412, got {stale.status_code.value}: {stale.content[:400]!r}")
    check(step, problem.code == "precondition_failed", f"code {problem.code}")

    step = "GET /v1/alerts?status=acknowledged"
    alerts = expect(step, list_alerts.sync_detailed(client=doctor, status=[AlertStatus.ACKNOWLEDGED]), HTTPStatus.OK)
    check(step, [a.id for a in alerts.items] == [alert_id], f"{[a.id for a in alerts.items]}")

    # The document itself, as YAML text.
    step = "GET /openapi.yaml"
    document = get_openapi.sync_detailed(client=anonymous)
    text: str | None = document.parsed
    if document.status_code != HTTPStatus.OK or text is None or not text.startswith("openapi:"):
        fail(step, f"expected the YAML text, got {document.status_code.value} parsed as {text!r:.80}")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    walk(*sys.argv[1:4])
    print("walk.py: the Python walk passed")
