DROP TABLE reminder_preferences;
