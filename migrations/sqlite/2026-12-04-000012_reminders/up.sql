-- Each patient's check-in reminders (GET/PUT /v1/me/reminders): the local
-- time they fire at on each scheduled day not yet done, and the channels.
-- chosen_at is when the time was set: a time set after it has passed
-- today takes effect tomorrow. A patient without a row gets 19:00 by Web
-- Push.
CREATE TABLE reminder_preferences (
    user_id TEXT PRIMARY KEY REFERENCES users (id),
    local_time TEXT NOT NULL,
    web_push BOOLEAN NOT NULL,
    email TEXT,
    chosen_at TIMESTAMP NOT NULL
);
