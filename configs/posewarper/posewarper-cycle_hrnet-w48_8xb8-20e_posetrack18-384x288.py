# PoseWarper stage 2 with the cycle-consistency loss: A is warped onto B and back onto A with
# the reverse difference, and the round trip is compared with A's target.
_base_ = ['./posewarper_hrnet-w48_8xb8-20e_posetrack18-384x288.py']

model = dict(head=dict(cycle_loss=dict(type='CycleConsistencyLoss', loss_weight=1.0)))
