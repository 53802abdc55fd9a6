"""Planning: where each copy should live, which copies to move or weed, and what goes on the displays.

The nightly `materials plan` turns demand (the promoted forecast, or recent loans while there is none) into shelf
targets per title × branch within each section's capacity, writes the `Target` table that check-in routing reads,
and suggests explicit copy moves. Displays, their wanted titles (`DisplayWant`, read by check-in) and the event
calendar live here too. Copies on display are never touched by targets, moves or weeding.
"""
