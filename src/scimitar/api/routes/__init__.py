"""The admin API's route modules, one per part of the product."""
