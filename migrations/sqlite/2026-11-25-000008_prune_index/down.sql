DROP INDEX activities_created;
