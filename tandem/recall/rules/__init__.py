"""Recall rules: protocols, the combined review, due months, invitations, responses, capacity.

Pure Python: no Django. Split by topic:

* protocols  - review protocols per condition (protocols.toml)
* review     - a person's tests appointment and care planning conversation
* dates      - review years (April to March) and month arithmetic
* schedule   - due month schemes and staged invitations
* status     - review statuses, responses and exceptions
* delivery   - channel and letter variant for an invitation
* capacity   - minutes needed per week against minutes available
* export     - spreadsheet-safe CSV cells
"""
