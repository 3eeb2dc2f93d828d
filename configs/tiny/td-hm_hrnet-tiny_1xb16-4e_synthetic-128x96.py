# Stage 1 in miniature: the single-frame tiny HRNet trained on the labelled frames (every 7th) of
# generated videos, evaluated with our PoseTrack AP on every frame of the validation videos.
_base_ = ['./_base_/default_runtime.py', './_base_/hrnet-tiny_128x96.py',
          './_base_/synthetic_data.py']

train_cfg = dict(max_epochs=4, val_interval=4)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=2e-3))
param_scheduler = [dict(type='MultiStepLR', begin=0, end=4, milestones=[3], gamma=0.1,
                        by_epoch=True)]
default_hooks = dict(checkpoint=dict(save_best='posetrack/Total', rule='greater'))

codec = _base_.codec
model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=_base_.data_preprocessor,
    backbone=_base_.backbone,
    head=_base_.heatmap_head,
    test_cfg=dict(flip_test=False))

train_pipeline = [dict(type='LoadImage')] + _base_.train_augmentation + [
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs')
]
val_pipeline = [dict(type='LoadImage')] + _base_.test_crop + [dict(type='PackPoseInputs')]
train_dataloader = dict(
    batch_size=16,
    dataset=dict(type='PoseTrackSparseDataset', pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32,
    dataset=dict(type='PoseTrackSparseDataset', pipeline=val_pipeline))
test_dataloader = val_dataloader
