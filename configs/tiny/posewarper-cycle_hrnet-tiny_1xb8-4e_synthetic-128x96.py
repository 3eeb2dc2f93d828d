# The tiny PoseWarper with the cycle-consistency loss (A→B→A against A's target).
_base_ = ['./posewarper_hrnet-tiny_1xb8-4e_synthetic-128x96.py']

model = dict(head=dict(cycle_loss=dict(type='CycleConsistencyLoss', loss_weight=1.0)))
