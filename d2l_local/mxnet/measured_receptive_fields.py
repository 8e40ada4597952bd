"""Receptive fields measured with gradients, to check the recurrence of d2l_local.receptive_fields."""
__all__ = []
