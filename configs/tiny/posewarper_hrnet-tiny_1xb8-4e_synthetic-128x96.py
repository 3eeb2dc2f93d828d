# Stage 2 in miniature: PoseWarper on the tiny stage-1 model (frozen), trained on pairs (labelled
# Frame A, Frame B within ±3) of generated videos; evaluated with the official ±2 aggregation.
_base_ = ['./_base_/default_runtime.py', './_base_/hrnet-tiny_128x96.py',
          './_base_/synthetic_data.py']

# the stage-1 checkpoint of td-hm_hrnet-tiny_1xb16-4e_synthetic-128x96.py (its default work dir)
load_from = 'work_dirs/td-hm_hrnet-tiny_1xb16-4e_synthetic-128x96/epoch_4.pth'

train_cfg = dict(max_epochs=4, val_interval=4)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = [dict(type='MultiStepLR', begin=0, end=4, milestones=[2, 3], gamma=0.1,
                        by_epoch=True)]
default_hooks = dict(checkpoint=dict(save_best='posetrack/Total', rule='greater'))

codec = _base_.codec
model = dict(
    type='PoseWarper',
    freeze_backbone=True,
    data_preprocessor=dict(_base_.data_preprocessor, type='PoseWarperDataPreprocessor'),
    backbone=_base_.backbone,
    head=_base_.posewarper_head,
    test_cfg=dict(flip_test=False))

train_pipeline = [dict(type='LoadMultiFrameImages')] + _base_.train_augmentation + [
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackMultiFramePoseInputs')
]
val_pipeline = [dict(type='LoadMultiFrameImages')] + _base_.test_crop + [
    dict(type='PackMultiFramePoseInputs')
]
train_dataloader = dict(
    batch_size=8,
    dataset=dict(type='PoseTrackSparseClipDataset',
                 frame_range=(-3, 3), allow_zero_offset=True,
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=16,
    dataset=dict(type='PoseTrackSparseClipDataset',
                 frame_offsets=(0, -1, 1, -2, 2),
                 frame_weights=(0.3, 0.25, 0.25, 0.1, 0.1),
                 pipeline=val_pipeline))
test_dataloader = val_dataloader
