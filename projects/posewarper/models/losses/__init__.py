from .cycle_consistency_loss import CycleConsistencyLoss

__all__ = ['CycleConsistencyLoss']
