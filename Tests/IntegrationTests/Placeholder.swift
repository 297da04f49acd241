// IntegrationTests: placeholder.
