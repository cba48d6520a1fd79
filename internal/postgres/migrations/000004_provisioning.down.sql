DROP TABLE provision_jobs;
