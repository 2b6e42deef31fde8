"""Risk assessment: profiles and watch lists are data; the engine is pure and explains every point."""
