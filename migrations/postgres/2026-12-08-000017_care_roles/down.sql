ALTER TABLE checkins DROP COLUMN recorded_by_role;
DROP TABLE caregivers;
DROP TABLE caregiver_invites;
DELETE FROM users WHERE role IN ('caregiver', 'nurse');
ALTER TABLE users DROP COLUMN deactivated_at;
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('patient', 'physician', 'admin'));
