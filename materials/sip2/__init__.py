"""A SIP 2.00 server for sorters and return machines.

`codec` reads and writes frames, `messages` builds the answers, `backend` does the database work (in threads),
`connection` keeps one machine's conversation and `server` runs them all on asyncio.
"""
