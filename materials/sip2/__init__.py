"""A SIP 2.00 server for sorters and return machines (`materials sip2 serve`).

`codec` reads and writes frames, `messages` builds the answers, `backend` does the database work (in threads),
`connection` keeps one machine's conversation and `server` runs them all on asyncio.

What it answers:

- 93 Login → 94 `1` when CN/CO match an active Sip2Account (argon2; a successful check is remembered in memory
  for the process, keyed to the stored hash), else `0`. The account's location code names the Station its
  check-ins are recorded at, and the account name is the actor of every write; CP is logged and ignored, so a
  machine cannot claim another station. Three refused logins close the connection.
- 99 SC status → 98: on-line, checkin ok, nothing else; BX `NNYNYYYNNNYNNNNN` (checkin, SC/ACS status, resend,
  login, item information). Before login: everything N.
- 09 Checkin → 10 through `materials.services.checkin.check_in` (the service the screens use, which commits):
  ok `1` for a known copy (`0` for an unknown or unreadable barcode), resensitize, magnetic media `N`, alert `Y`
  whenever CV is set; AO, AB, AQ (home branch ISIL), AJ (title), CL (the decision's sorter bin, or crate code
  at a branch), CT (destination ISIL), CV (01 hold here, 02 hold at another library, 04 send to another library,
  99 special handling), CY (hold-shelf code, never a patron name or id: this system holds no names), AF (reason).
  The server's clock, not the machine's, dates the check-in.
- 17 Item information → 18 with status 03 available (shelf or display), 04 charged, 08 on hold shelf, 09 in
  sorting, 10 in transit (with CT), 13 missing, 01 other (withdrawn, unknown); AB, AJ, AQ, AP, CF (waiting
  reservations), AH (due) and CM (pickup deadline) when they apply.
- 97 → the last reply again, byte for byte. A frame identical to the previous one and carrying AY/AZ gets the
  stored reply without being processed again (a resend must not check a copy in twice).
- A bad checksum, a frame that is not UTF-8 or not a SIP2 frame, or a message we do not implement → 96 (please
  resend). Five such in a row close the connection. A request other than login before login → that message's
  negative answer (10 ok `0`, 18 status `01`, 98 off-line). A frame over 2048 bytes, a connection silent past
  the idle timeout, or one that ends in the middle of a frame is closed. Every refusal writes a log line.

Replies carry AY (echoed) and AZ (4 upper-case hex digits over the UTF-8 bytes) when the request did; incoming
checksums are compared as numbers, so a client that drops leading zeros is understood.
"""
