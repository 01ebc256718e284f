//! Table definitions shared by both backends; only portable column types.

diesel::table! {
    patients (id) {
        id -> Text,
        display_name -> Text,
        birth_year -> Nullable<Integer>,
        timezone -> Text,
        locale -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        password_hash -> Text,
        role -> Text,
        display_name -> Text,
        patient_id -> Nullable<Text>,
        timezone -> Text,
        locale -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deactivated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    care_team_members (patient_id, physician_id) {
        patient_id -> Text,
        physician_id -> Text,
        added_by -> Nullable<Text>,
        added_at -> Timestamp,
    }
}

diesel::table! {
    invites (id) {
        id -> Text,
        patient_id -> Text,
        code_hash -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        voided_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Text,
        user_id -> Text,
        family_id -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        spent_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        amr -> Text,
        user_agent -> Nullable<Text>,
    }
}

diesel::table! {
    login_throttle (key) {
        key -> Text,
        failures -> Integer,
        window_started_at -> Timestamp,
        blocked_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    service_settings (key) {
        key -> Text,
        value -> Text,
    }
}

diesel::table! {
    treatments (id) {
        id -> Text,
        patient_id -> Text,
        physician_id -> Text,
        kind -> Text,
        sites -> Text,
        product -> Text,
        lot -> Nullable<Text>,
        administered_at -> Timestamp,
        cancer_treatment -> Bool,
        pregnant -> Bool,
        breastfeeding -> Bool,
        planning_pregnancy -> Bool,
        override_reason -> Nullable<Text>,
        warnings -> Text,
        created_at -> Timestamp,
        baseline_systolic_bp -> Nullable<Integer>,
    }
}

diesel::table! {
    checkins (id) {
        id -> Text,
        treatment_id -> Text,
        patient_id -> Text,
        client_id -> Text,
        request_hash -> Text,
        day -> Integer,
        observed_at -> Timestamp,
        received_at -> Timestamp,
        glucose_value -> Nullable<Double>,
        glucose_unit -> Nullable<Text>,
        glucose_mg_dl -> Nullable<Double>,
        systolic_bp -> Nullable<Double>,
        temperature_c -> Nullable<Double>,
        missed_normal_activities -> Nullable<Bool>,
        missed_work -> Nullable<Bool>,
        medical_care -> Nullable<Text>,
        note -> Nullable<Text>,
        recorded_by -> Text,
        triage_level -> Text,
        response -> Text,
        present_symptoms -> Text,
        recorded_by_role -> Nullable<Text>,
    }
}

diesel::table! {
    caregiver_invites (id) {
        id -> Text,
        patient_id -> Text,
        relationship -> Text,
        code_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    caregivers (patient_id, user_id) {
        patient_id -> Text,
        user_id -> Text,
        relationship -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    checkin_symptoms (checkin_id, symptom) {
        checkin_id -> Text,
        symptom -> Text,
        severity -> Integer,
    }
}

diesel::table! {
    findings (id) {
        id -> Text,
        checkin_id -> Text,
        rule -> Text,
        level -> Text,
        reasons -> Text,
        rules_version -> Text,
        retriaged -> Bool,
        superseded_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    alerts (id) {
        id -> Text,
        patient_id -> Text,
        treatment_id -> Text,
        rule -> Text,
        level -> Text,
        level_rank -> Integer,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        acknowledged_by -> Nullable<Text>,
        acknowledged_at -> Nullable<Timestamp>,
        snoozed_until -> Nullable<Timestamp>,
        snooze_reason -> Nullable<Text>,
        resolved_by -> Nullable<Text>,
        resolved_at -> Nullable<Timestamp>,
        resolution_outcome -> Nullable<Text>,
        resolution_note -> Nullable<Text>,
        overdue_notified_at -> Nullable<Timestamp>,
        raised_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    alert_evidence (id) {
        id -> Text,
        alert_id -> Text,
        checkin_id -> Nullable<Text>,
        observed_at -> Timestamp,
        level -> Text,
        reasons -> Text,
        created_at -> Timestamp,
        retriaged -> Bool,
        superseded -> Bool,
    }
}

diesel::table! {
    alert_events (id) {
        id -> Text,
        alert_id -> Text,
        action -> Text,
        actor_id -> Nullable<Text>,
        from_status -> Nullable<Text>,
        to_status -> Text,
        level -> Text,
        detail -> Nullable<Text>,
        at -> Timestamp,
    }
}

diesel::table! {
    outbox_events (id) {
        id -> Text,
        event_type -> Text,
        alert_id -> Text,
        patient_id -> Text,
        treatment_id -> Text,
        payload -> Text,
        created_at -> Timestamp,
        dispatched_at -> Nullable<Timestamp>,
        stream_seq -> Nullable<BigInt>,
        clinical_payload -> Nullable<Text>,
    }
}

diesel::table! {
    web_sessions (id_hash) {
        id_hash -> Text,
        user_id -> Text,
        csrf_token -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        amr -> Text,
        user_agent -> Nullable<Text>,
        last_used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    mfa_totp (user_id) {
        user_id -> Text,
        secret_sealed -> Text,
        created_at -> Timestamp,
        confirmed_at -> Nullable<Timestamp>,
        last_step -> Nullable<BigInt>,
    }
}

diesel::table! {
    mfa_recovery_codes (code_hash) {
        code_hash -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    mfa_challenges (token_hash) {
        token_hash -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        failures -> Integer,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    reminder_preferences (user_id) {
        user_id -> Text,
        local_time -> Text,
        web_push -> Bool,
        email -> Nullable<Text>,
        chosen_at -> Timestamp,
    }
}

diesel::table! {
    push_subscriptions (id) {
        id -> Text,
        user_id -> Text,
        endpoint -> Text,
        p256dh -> Text,
        auth -> Text,
        expiration_time -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    photos (id) {
        id -> Text,
        checkin_id -> Text,
        patient_id -> Text,
        uploaded_by -> Text,
        content_type -> Text,
        width -> Integer,
        height -> Integer,
        bytes -> BigInt,
        thumb_width -> Integer,
        thumb_height -> Integer,
        upload_sha256 -> Text,
        sha256 -> Text,
        idempotency_key -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    reminder_slots (treatment_id, day) {
        treatment_id -> Text,
        day -> Integer,
        patient_id -> Text,
        due_date -> Text,
        queued_at -> Timestamp,
    }
}

diesel::table! {
    reminder_sends (id) {
        id -> Text,
        treatment_id -> Text,
        day -> Integer,
        channel -> Text,
        user_id -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        expires_at -> Timestamp,
        leased_until -> Nullable<Timestamp>,
        lease_owner -> Nullable<Text>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_chain (seq) {
        seq -> BigInt,
        event_id -> Text,
        event_at -> Timestamp,
        prev_hash -> Text,
        hash -> Text,
        sealed_at -> Timestamp,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Text,
        at -> Timestamp,
        actor_id -> Text,
        actor_role -> Text,
        action -> Text,
        patient_id -> Text,
        resource_type -> Text,
        resource_id -> Text,
        request_id -> Nullable<Text>,
    }
}

diesel::table! {
    webhook_endpoints (id) {
        id -> Text,
        owner_id -> Text,
        scope -> Text,
        url -> Text,
        events -> Text,
        description -> Nullable<Text>,
        enabled -> Bool,
        disabled_reason -> Nullable<Text>,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_secret_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        payload -> Text,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Text,
        endpoint_id -> Text,
        event_id -> Text,
        event_type -> Text,
        payload -> Text,
        status -> Text,
        attempts -> Integer,
        last_status_code -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        next_attempt_at -> Timestamp,
        leased_until -> Nullable<Timestamp>,
        lease_owner -> Nullable<Text>,
        created_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> Text,
        delivery_id -> Text,
        attempted_at -> Timestamp,
        status_code -> Nullable<Integer>,
        latency_ms -> Integer,
        error -> Nullable<Text>,
    }
}

diesel::table! {
    treatment_standings (treatment_id) {
        treatment_id -> Text,
        patient_id -> Text,
        administered_at -> Timestamp,
        worst_rank -> Integer,
        waiting_since -> Nullable<Timestamp>,
        worst_alert_id -> Nullable<Text>,
        open_alerts -> Integer,
        active_alerts -> Integer,
        last_checkin_at -> Nullable<Timestamp>,
        done_slots -> Integer,
        passed_slots -> Integer,
        missed_checkins -> Integer,
        recount_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(users -> patients (patient_id));
diesel::joinable!(care_team_members -> patients (patient_id));
diesel::joinable!(caregivers -> users (user_id));
diesel::joinable!(caregiver_invites -> patients (patient_id));
diesel::joinable!(invites -> patients (patient_id));
diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(web_sessions -> users (user_id));
diesel::joinable!(reminder_preferences -> users (user_id));
diesel::joinable!(push_subscriptions -> users (user_id));
diesel::joinable!(reminder_sends -> users (user_id));
diesel::joinable!(treatments -> patients (patient_id));
diesel::joinable!(checkins -> treatments (treatment_id));
diesel::joinable!(checkin_symptoms -> checkins (checkin_id));
diesel::joinable!(findings -> checkins (checkin_id));
diesel::joinable!(photos -> checkins (checkin_id));
diesel::joinable!(alerts -> treatments (treatment_id));
diesel::joinable!(treatment_standings -> treatments (treatment_id));
diesel::joinable!(treatment_standings -> patients (patient_id));
diesel::joinable!(alert_evidence -> alerts (alert_id));
diesel::joinable!(audit_chain -> audit_events (event_id));
diesel::joinable!(alert_events -> alerts (alert_id));
diesel::joinable!(webhook_deliveries -> webhook_endpoints (endpoint_id));
diesel::joinable!(webhook_attempts -> webhook_deliveries (delivery_id));

diesel::allow_tables_to_appear_in_same_query!(
    audit_chain,
    patients,
    users,
    care_team_members,
    invites,
    refresh_tokens,
    login_throttle,
    service_settings,
    treatments,
    treatment_standings,
    checkins,
    checkin_symptoms,
    findings,
    alerts,
    alert_evidence,
    alert_events,
    outbox_events,
    web_sessions,
    reminder_preferences,
    push_subscriptions,
    photos,
    reminder_slots,
    reminder_sends,
    audit_events,
    webhook_endpoints,
    webhook_deliveries,
    webhook_attempts,
    caregivers,
    caregiver_invites,
    mfa_totp,
    mfa_recovery_codes,
    mfa_challenges,
);

diesel::allow_columns_to_appear_in_same_group_by_clause!(checkins::day, checkin_symptoms::symptom);
