# Generated sparsely-labelled videos (tools/make_synthetic_posetrack.py) in PoseTrack18 layout,
# read the way the PoseTrack18 configs read the real data.
data_root = 'data/synthetic/'
train_ann_file = 'annotations/posetrack18_train.json'
val_ann_file = 'annotations/posetrack18_val.json'
# the paper's sparse labels: one annotated frame in 7
label_interval = 7

# Top-down crops and augmentation shared by the single-frame and multi-frame pipelines. MMPose's
# transforms draw their parameters once per sample, so for clips every frame gets the same
# crop, flip, half-body, scale and rotation. The official recipe (rotation ~N(0, 45°) with
# probability 0.6, half-body with probability 0.3, see configs/posewarper) is meant for 20 epochs
# of an HRNet-W48 on ~100k people; a tiny model trained for minutes learns faster with milder
# rotation and half-body (measured on generated videos, stage 1, 8 epochs: 13.8 vs 8.1 AP).
input_size = (96, 128)  # = the codec input_size of hrnet-tiny_128x96.py
train_augmentation = [
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomHalfBody', prob=0.1, min_total_keypoints=9),
    dict(type='RandomBBoxTransform', shift_prob=0., scale_factor=(0.65, 1.35),
         rotate_factor=30., rotate_prob=0.3),
    dict(type='TopdownAffine', input_size=input_size),
]
test_crop = [
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='TopdownAffine', input_size=input_size),
]

# Loader shells shared by the tiny configs, which add the dataset type, the pipeline and the
# frame window. The validation videos are labelled on every frame: evaluate all of them.
train_dataloader = dict(
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        data_root=data_root,
        ann_file=train_ann_file,
        label_interval=label_interval,
        data_prefix=dict(img='')))
val_dataloader = dict(
    num_workers=0,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(
        data_root=data_root,
        ann_file=val_ann_file,
        label_interval=1,
        data_prefix=dict(img=''),
        test_mode=True))
test_dataloader = val_dataloader
val_evaluator = dict(type='PoseTrackAPMetric', ann_file=data_root + val_ann_file)
test_evaluator = val_evaluator
