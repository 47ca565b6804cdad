-- Old activities are deleted hourly by creation time.
CREATE INDEX activities_created ON activities (created_at);
