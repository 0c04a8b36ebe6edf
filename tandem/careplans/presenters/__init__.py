"""Shape care plan data for the staff pages: plain, already-decided values for templates."""
