# PoseWarper stage 2 on PoseTrack18, the official PT18 run (PoseWarper's
# w48_384x288_adam_lr1e-4_PoseWarper_train.yaml and scripts/posetrack18_helper.py): the stage-1
# HRNet-W48 and its heatmap layer are frozen (no gradients; their BN in train mode, as the official
# model.train() leaves it); the warping head (20 residual blocks, five dilated offset convs, five
# deformable convs) trains on pairs (labelled Frame A, Frame B within ±2, every label of the
# training set) with MSE against A's target. Adam 1e-4, 20 epochs, steps at 10 and 15, 8 per
# GPU × 8. Evaluation aggregates the official ±2 window (weights 0.3 / 0.25 / 0.25 / 0.1 / 0.1) on
# the precomputed boxes with the official joint scores. Alternatives: docs/fidelity.md; the
# paper's sparse setting: posewarper_hrnet-w48_8xb8-20e_posetrack18-sparse7-384x288.py.
_base_ = ['./td-hm_hrnet-w48_8xb16-10e_posetrack18-384x288.py']

# The stage-1 checkpoint (the final one of the stage-1 config's default work dir). The released
# MMPose 0.x stage-1 weights work too after `tools/convert_mmpose0x.py`:
# https://download.openmmlab.com/mmpose/top_down/posewarper/hrnet_w48_posetrack18_384x288_posewarper_stage1-08b632aa_20211130.pth  # noqa: E501
load_from = 'work_dirs/td-hm_hrnet-w48_8xb16-10e_posetrack18-384x288/epoch_10.pth'

train_cfg = dict(max_epochs=20, val_interval=1)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-4))
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=20, milestones=[10, 15], gamma=0.1, by_epoch=True)
]
auto_scale_lr = dict(base_batch_size=64)

codec = _base_.codec
model = dict(
    type='PoseWarper',
    freeze_backbone=True,
    frozen_bn_mode='train',
    data_preprocessor=dict(type='PoseWarperDataPreprocessor'),
    head=dict(
        _delete_=True,
        type='PoseWarperHead',
        in_channels=48,
        out_channels=17,
        final_layer=dict(kernel_size=1),  # the stage-1 heatmap layer, same keys as HeatmapHead
        inner_channels=128,
        num_res_blocks=20,
        dilations=(3, 6, 12, 18, 24),
        deform_conv_backend='auto',
        loss=dict(type='KeypointMSELoss', use_target_weight=True),
        decoder=codec),
    # the official test runs without flip (FLIP_TEST false)
    test_cfg=dict(_delete_=True, flip_test=False))

data_root = 'data/posetrack18/'
train_pipeline = [dict(type='LoadMultiFrameImages')] + _base_.train_augmentation + [
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackMultiFramePoseInputs')
]
val_pipeline = [
    dict(type='LoadMultiFrameImages'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackMultiFramePoseInputs')
]
train_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=True,  # keeps per-worker RNG streams going: new Frame B draws each epoch
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        _delete_=True,
        type='PoseTrackSparseClipDataset',
        data_root=data_root,
        ann_file='annotations/posetrack18_train.json',
        # every label, as the official PT18 run (the sparse setting: label_interval=7, or
        # labeled_ann_file=... with the official "N per video" subsets)
        label_interval=1,
        # the official TIMESTEP_DELTA_RANGE: 2 (the paper's text says ±3)
        frame_range=(-2, 2),
        allow_zero_offset=True,
        data_prefix=dict(img=''),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    dataset=dict(
        _delete_=True,
        type='PoseTrackSparseClipDataset',
        data_root=data_root,
        ann_file='annotations/posetrack18_val.json',
        label_interval=1,
        frame_offsets=(0, -1, 1, -2, 2),
        frame_weights=(0.3, 0.25, 0.25, 0.1, 0.1),
        bbox_file=_base_.val_bbox_file,
        filter_cfg=dict(bbox_score_thr=_base_.val_bbox_score_thr),
        data_prefix=dict(img=''),
        test_mode=True,
        pipeline=val_pipeline))
test_dataloader = val_dataloader
