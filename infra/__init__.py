"""The CDK app of the Cargo Targeting System: one stack per country, built from the resource catalogue."""
