// A typed walk through the aftercare API with openapi-fetch and the types
// openapi-typescript generates from openapi.yaml (generated/schema.d.ts),
// written as an app developer would write it from the document: no casts,
// no `any`. `tsc --strict` checks it, then node runs the compiled walk
// against a live server; any unexpected answer exits non-zero naming the step.
//
// Usage: node dist/walk.js BASE_URL ADMIN_EMAIL ADMIN_PASSWORD   (see ../run)

import createClient from "openapi-fetch";
import type { components, paths } from "./generated/schema.js";

type Schemas = components["schemas"];

function fail(step: string, message: string): never {
  console.error(`walk.ts: ${step}: ${message}`);
  process.exit(1);
}

function check(step: string, condition: boolean, message: string): void {
  if (!condition) fail(step, message);
}

// The body of an answer with this status, or exit naming the step.
function expect<T>(step: string, answer: { data?: T; error?: unknown; response: Response }, status: number): T {
  const { data, error, response } = answer;
  if (response.status !== status || data === undefined) {
    fail(step, `expected ${status}, got ${response.status}: ${JSON.stringify(error)}`);
  }
  return data;
}

function clientFor(baseUrl: string, token?: string) {
  return createClient<paths>({ baseUrl, headers: token === undefined ? {} : { Authorization: `Bearer ${token}` } });
}

async function walk(baseUrl: string, adminEmail: string, adminPassword: string): Promise<void> {
  const anonymous = clientFor(baseUrl);
  let step: string;

  // The admin logs in and creates a physician, who logs in.
  step = "admin login";
  let pair = expect(step, await anonymous.POST("/v1/auth/login", { body: { email: adminEmail, password: adminPassword } }), 200);
  check(step, pair.user.role === "admin", `role ${pair.user.role}`);
  const admin = clientFor(baseUrl, pair.access_token);

  step = "POST /v1/users";
  const physician = { email: "dr.typescript@walk.example", password: "typescript-walk-physician-1" };
  const doctorUser = expect(
    step,
    await admin.POST("/v1/users", { body: { ...physician, role: "physician", display_name: "Dr TypeScript" } }),
    201,
  );
  check(step, doctorUser.role === "physician" && doctorUser.locale === "ja", JSON.stringify(doctorUser));

  step = "physician login";
  pair = expect(step, await anonymous.POST("/v1/auth/login", { body: physician }), 200);
  const doctor = clientFor(baseUrl, pair.access_token);

  // The physician records a patient; the answer carries the invite code.
  step = "POST /v1/patients";
  const locale: Schemas["Locale"] = "en";
  const patient = expect(
    step,
    await doctor.POST("/v1/patients", { body: { display_name: "TypeScript Walk", timezone: "Asia/Tokyo", locale, birth_year: 1985 } }),
    201,
  );
  check(step, patient.locale === locale && patient.invite.code.length > 0, JSON.stringify(patient));

  // The patient registers with it, reads their account and sends their
  // locale back unchanged.
  step = "POST /v1/auth/register";
  pair = expect(
    step,
    await anonymous.POST("/v1/auth/register", {
      body: { invite_code: patient.invite.code, email: "typescript@walk.example", password: "typescript-walk-patient-1" },
    }),
    201,
  );
  check(step, pair.user.role === "patient" && pair.user.patient_id === patient.id, JSON.stringify(pair.user));
  const me = clientFor(baseUrl, pair.access_token);

  step = "GET /v1/me";
  let account = expect(step, await me.GET("/v1/me"), 200);
  check(step, account.locale === locale, `locale ${account.locale}`);

  step = "PATCH /v1/me";
  account = expect(step, await me.PATCH("/v1/me", { body: { locale: account.locale } }), 200);
  check(step, account.locale === locale, `locale ${account.locale}`);

  // The physician records an injection given an hour ago.
  step = "POST /v1/patients/{id}/treatments";
  const kind: Schemas["TreatmentKind"] = "injection";
  const sites: Schemas["Site"][] = ["face"];
  const treatment = expect(
    step,
    await doctor.POST("/v1/patients/{patient_id}/treatments", {
      params: { path: { patient_id: patient.id } },
      body: {
        kind,
        sites,
        product: "Exo-X",
        administered_at: new Date(Date.now() - 3600_000).toISOString(),
        screening: { cancer_treatment: false, pregnant: false, breastfeeding: false, planning_pregnancy: false },
      },
    }),
    201,
  );
  check(step, treatment.kind === kind && treatment.sites.join() === sites.join(), JSON.stringify(treatment));

  // The patient's throat feels tight an hour after the injection: an
  // emergency (suspected anaphylaxis) that opens an alert.
  step = "POST /v1/treatments/{id}/checkins";
  const care: Schemas["MedicalCare"] = "clinic";
  const body: Schemas["CheckinRequest"] = {
    client_id: "typescript-walk-1",
    symptoms: { swelling: 2, throat_tightness: 2 },
    vitals: { systolic_bp: 118, temperature_c: 37.2 },
    impact: { missed_normal_activities: true, missed_work: false, medical_care: care },
  };
  const result = expect(
    step,
    await me.POST("/v1/treatments/{treatment_id}/checkins", { params: { path: { treatment_id: treatment.id } }, body }),
    201,
  );
  check(step, result.triage.level === "emergency", `triage level ${result.triage.level}`);
  check(step, result.triage.guidance.length > 0 && result.triage.guidance.every((g) => g.text !== ""), "no guidance text");
  check(step, result.checkin.symptoms.throat_tightness === 2, JSON.stringify(result.checkin.symptoms));
  const { vitals, impact } = result.checkin;
  if (vitals === null || impact === null) fail(step, "no vitals or impact in the answer");
  const systolicBp: number | null = vitals.systolic_bp;
  const temperatureC: number | null = vitals.temperature_c;
  const glucose: Schemas["Glucose"] | null = vitals.glucose;
  check(step, systolicBp === 118 && temperatureC === 37.2 && glucose === null, `vitals ${JSON.stringify(vitals)}`);
  const missedWork: boolean = impact.missed_work;
  const medicalCare: Schemas["MedicalCare"] = impact.medical_care;
  check(step, impact.missed_normal_activities && !missedWork && medicalCare === care, `impact ${JSON.stringify(impact)}`);
  const anaphylaxis = result.alerts.filter((a) => a.rule === "suspected_anaphylaxis");
  const opened: Schemas["AlertStatus"] = "open";
  check(step, anaphylaxis.length === 1 && anaphylaxis[0]?.status === opened, JSON.stringify(result.alerts));
  const alertId = anaphylaxis[0]?.id ?? fail(step, "no suspected_anaphylaxis alert");

  // The same check-in again through the offline sync: a replay, answered
  // 200 with the same check-in.
  step = "POST /v1/sync";
  const offline: Schemas["SyncItem"] = { treatment_id: treatment.id, ...body };
  const synced = expect(step, await me.POST("/v1/sync", { body: { checkins: [offline] } }), 200);
  const item = synced.results[0];
  if (synced.results.length !== 1 || item === undefined) fail(step, `${synced.results.length} results`);
  const replay = item.body;
  if (item.status !== 200 || !("checkin" in replay)) fail(step, JSON.stringify(item));
  check(step, replay.checkin.id === result.checkin.id, `check-in ${replay.checkin.id}, not ${result.checkin.id}`);

  // The physician finds the alert among the open and acknowledged ones, on
  // the worklist and on the timeline.
  step = "GET /v1/alerts?status=open&status=acknowledged";
  const active: Schemas["AlertStatus"][] = ["open", "acknowledged"];
  let alerts = expect(step, await doctor.GET("/v1/alerts", { params: { query: { status: active } } }), 200);
  const listed = alerts.items.filter((a) => a.id === alertId);
  check(step, listed.length === 1 && listed[0]?.level === "emergency", JSON.stringify(alerts.items.map((a) => a.id)));

  step = "GET /v1/worklist";
  const worklist = expect(step, await doctor.GET("/v1/worklist"), 200);
  const row = worklist.items.find((r) => r.treatment.id === treatment.id) ?? fail(step, "no row for the treatment");
  check(step, row.worst_alert?.level === "emergency" && row.open_alerts >= 1, JSON.stringify(row));

  step = "GET /v1/patients/{id}/timeline";
  const timeline = expect(
    step,
    await doctor.GET("/v1/patients/{patient_id}/timeline", { params: { path: { patient_id: patient.id } } }),
    200,
  );
  const day = timeline.treatments[0]?.days[0] ?? fail(step, JSON.stringify(timeline));
  check(step, day.checkins === 1 && day.symptoms.throat_tightness === 2, JSON.stringify(day));

  // Acknowledge with the ETag of the alert as read; that ETag is then stale.
  step = "GET /v1/alerts/{id}";
  const path = { alert_id: alertId };
  const read = await doctor.GET("/v1/alerts/{alert_id}", { params: { path } });
  let alert = expect(step, read, 200);
  const etag = read.response.headers.get("etag");
  if (etag === null || alert.status !== opened) fail(step, `etag ${etag}, status ${alert.status}`);

  step = "POST /v1/alerts/{id}/acknowledge";
  const acked = await doctor.POST("/v1/alerts/{alert_id}/acknowledge", { params: { path, header: { "If-Match": etag } } });
  alert = expect(step, acked, 200);
  check(step, alert.status === "acknowledged" && alert.acknowledged_by === doctorUser.id, JSON.stringify(alert));
  const newEtag = acked.response.headers.get("etag");
  check(step, newEtag !== null && newEtag !== etag, "the ETag did not change");

  step = "acknowledge with the stale ETag";
  const stale = await doctor.POST("/v1/alerts/{alert_id}/acknowledge", { params: { path, header: { "If-Match": etag } } });
  check(step, stale.response.status === 412 && stale.error?.code === "precondition_failed", JSON.stringify(stale.error));

  step = "GET /v1/alerts?status=acknowledged";
  alerts = expect(step, await doctor.GET("/v1/alerts", { params: { query: { status: ["acknowledged"] } } }), 200);
  check(step, alerts.items.map((a) => a.id).join() === alertId, JSON.stringify(alerts.items.map((a) => a.id)));

  // The document itself, as YAML text.
  step = "GET /openapi.yaml";
  const document = expect(step, await anonymous.GET("/openapi.yaml", { parseAs: "text" }), 200);
  check(step, document.startsWith("openapi:"), `starts with ${JSON.stringify(document.slice(0, 40))}`);
}

const [baseUrl, adminEmail, adminPassword] = process.argv.slice(2);
if (baseUrl === undefined || adminEmail === undefined || adminPassword === undefined) {
  fail("usage", "node dist/walk.js BASE_URL ADMIN_EMAIL ADMIN_PASSWORD");
}
await walk(baseUrl, adminEmail, adminPassword);
console.log("walk.ts: the TypeScript walk passed");
