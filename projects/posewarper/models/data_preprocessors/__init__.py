from .posewarper_data_preprocessor import PoseWarperDataPreprocessor

__all__ = ['PoseWarperDataPreprocessor']
