"""What each published post achieved: its counts over time (models registered in posts),
the jobs that fetch them on a decaying cadence, and the Analytics page's reads."""
