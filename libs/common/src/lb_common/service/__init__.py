"""What every service process is made of: runtime (engine, bus, relay, consumers), app, CLI."""
