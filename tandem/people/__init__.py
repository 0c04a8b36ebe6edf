"""The person's own Tandem: signing in with NHS login, their pages, and carers (ADR 16)."""
